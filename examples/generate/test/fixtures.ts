import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folder of the committed decoder fixtures. */
export const DECODER_DIR = fileURLToPath(new URL('../../../fixtures/decoder/', import.meta.url));

/** The golden file written by fixtures/decoder/export_decoder.py. */
export interface DecoderGolden {
  readonly model: string;
  readonly uncachedModel: string;
  readonly config: { readonly vocab: number; readonly layers: number; readonly heads: number; readonly head_dim: number; readonly eos_token_id: number };
  readonly prompt: string;
  readonly promptIds: readonly number[];
  readonly greedyTokens: readonly number[];
  readonly firstLogits: readonly number[];
  readonly tolerance: number;
}

/** Reads fixtures/decoder/golden.json. */
export function readGolden(): DecoderGolden {
  return JSON.parse(readFileSync(`${DECODER_DIR}golden.json`, 'utf8')) as DecoderGolden;
}

/** Largest absolute difference between two rows. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
