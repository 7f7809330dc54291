import { ServableError } from '@servable/core';

/** Default cap on JSON nesting depth (objects and arrays together). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** True when the bytes hold more than `limit` `[` and `{` together (native search, fast on numeric bodies). */
function openingsExceed(bytes: Uint8Array, end: number, limit: number): boolean {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (const opening of [0x5b, 0x7b]) {
    for (let i = buffer.indexOf(opening, 0); i !== -1 && i < end; i = buffer.indexOf(opening, i + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

/**
 * Scans raw JSON bytes for nesting deeper than `maxDepth` without parsing (no recursion, no
 * allocation), so a hostile body such as `[[[[…]]]]` is refused before `JSON.parse` sees it.
 * @throws ServableError `INVALID_INPUT` naming the depth found and the cap
 */
export function assertJsonDepth(bytes: Uint8Array, maxDepth: number, end = bytes.length): void {
  if (!openingsExceed(bytes, end, maxDepth)) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new ServableError('INVALID_INPUT', `request body: expected JSON nested at most ${maxDepth} levels deep, got deeper nesting at byte ${i} — flatten the data (OIP accepts flat "data" with a "shape")`);
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/**
 * Parses a JSON body after the depth check.
 * @throws ServableError `INVALID_INPUT` for deep nesting or text that is not JSON
 */
export function parseJsonBody(bytes: Uint8Array, maxDepth: number, end = bytes.length): unknown {
  assertJsonDepth(bytes, maxDepth, end);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ServableError('INVALID_INPUT', `request body: expected JSON, got text that does not parse (${(cause as Error).message})`, { cause });
  }
}
