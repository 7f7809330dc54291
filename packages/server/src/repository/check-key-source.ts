import { readFile } from 'node:fs/promises';
import { parseModelKey, ServableError, type ModelKeySource } from '@servable/core';

/**
 * Reads a `{ file }`, `{ env }` or `{ key }` key source once when the server starts, so that a
 * missing secret or a placeholder fails then, with the fix, instead of passing silently until an
 * encrypted model loads. A function source (a KMS hook) is called per key id and is not checked.
 * Messages give lengths, never the key.
 * @throws ServableError `INVALID_ARGUMENT` when the source holds no 32-byte key
 */
export async function checkKeySource(source: ModelKeySource | undefined, subject: string): Promise<void> {
  if (source === undefined || typeof source === 'function' || typeof source !== 'object' || source === null) return;
  let text: string | Uint8Array;
  let where: string;
  if ('file' in source) {
    where = `key file "${source.file}"`;
    try {
      text = await readFile(source.file, 'utf8');
    } catch (cause) {
      throw new ServableError('INVALID_ARGUMENT', `${subject} ${where}: expected a readable file holding a model key, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'} — check the path and its permissions`, { cause });
    }
  } else if ('env' in source) {
    where = `environment variable "${source.env}"`;
    const value = process.env[source.env];
    if (value === undefined || value.trim() === '') {
      throw new ServableError('INVALID_ARGUMENT', `${subject} ${where}: expected a model key as base64 or hex, got nothing — set it to the output of servable keygen`);
    }
    text = value;
  } else if ('key' in source) {
    where = 'key';
    text = source.key;
  } else {
    return;
  }
  try {
    parseModelKey(text, `${subject} ${where}`);
  } catch (cause) {
    const got = typeof text === 'string' ? `${text.trim().length} characters that are not one` : `${text.length} bytes`;
    throw new ServableError('INVALID_ARGUMENT', `${subject} ${where}: expected a 32-byte model key as base64 (44 characters) or hex (64), got ${got} — put the output of servable keygen there (a placeholder is not a key)`, { cause });
  }
}
