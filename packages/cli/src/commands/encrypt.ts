import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encryptModelFolder, parseModelKey, ServableError } from '@servable/core';
import type { CommandSpec } from '../cli/command.js';
import { displayPath } from '../cli/display-path.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { booleanOption, stringOption } from '../cli/parse-command-line.js';

/** `servable encrypt <model-folder> --key-file key.txt`: seal a model folder with AES-256-GCM. */
export const encryptCommand: CommandSpec = {
  name: 'encrypt',
  summary: 'Encrypt a model folder (AES-256-GCM) with a key from servable keygen',
  description:
    'Reads the folder\'s servable.json, checks the model file\'s sha256, and writes model.<ext>.enc with a servable.json whose\n' +
    'file, sha256 (of the ciphertext) and encryption header (algorithm, key id, IV) describe it — into --out, or beside the\n' +
    'plaintext. loadModel decrypts in memory only with createDecryptor({ file | env | key }). Models with external data files\n' +
    'are refused (those files would stay readable). Encryption keeps the weights unreadable at rest and in transit; a process\n' +
    'that holds the key can still read them.',
  positionals: [{ name: 'model-folder', description: 'a folder with servable.json and the model file' }],
  options: {
    'key-file': { type: 'string', valueName: 'FILE', description: 'file holding the key as base64 or hex text (required)' },
    'key-id': { type: 'string', valueName: 'ID', description: 'key id recorded in servable.json (default: derived from the key)' },
    out: { type: 'string', short: 'o', valueName: 'DIR', description: 'write the encrypted package here, leaving the source untouched (default: in place)' },
    'remove-plaintext': { type: 'boolean', description: 'when encrypting in place, delete the plaintext model file afterwards' },
  },
  examples: ['servable encrypt models/mnist/1 --key-file key.txt --out sealed/mnist/1'],
  async run(args, io) {
    const keyFile = stringOption(args, 'key-file');
    if (!keyFile) throw new ServableError('INVALID_ARGUMENT', 'flag --key-file: expected a file holding the key (make one with servable keygen --out key.txt), got none');
    let keyText: string;
    try {
      keyText = readFileSync(resolve(io.cwd, keyFile), 'utf8');
    } catch (cause) {
      throw new ServableError('INVALID_ARGUMENT', `flag --key-file "${keyFile}": expected a readable file, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'}`, { cause });
    }
    const key = parseModelKey(keyText, `key file "${keyFile}"`);
    const keyId = stringOption(args, 'key-id');
    const out = stringOption(args, 'out');
    try {
      const result = await encryptModelFolder(resolve(io.cwd, args.positionals[0]!), {
        key,
        ...(keyId ? { keyId } : {}),
        ...(out ? { outDir: resolve(io.cwd, out) } : {}),
        removePlaintext: booleanOption(args, 'remove-plaintext'),
      });
      io.stdout.write(
        [
          `encrypted ${result.manifest.name}@${result.manifest.version} with key ${result.manifest.encryption?.keyId}`,
          `wrote ${displayPath(io.cwd, result.encryptedFile)} and servable.json${result.removedPlaintext ? '; removed the plaintext' : ''}`,
        ].join('\n') + '\n',
      );
    } finally {
      key.fill(0);
    }
    return EXIT_OK;
  },
};
