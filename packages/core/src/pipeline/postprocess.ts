import { ServableError } from '../errors/servable-error.js';
import type { ModelManifest, Postprocessing } from '../model/manifest.js';
import { float16BitsToFloat32 } from '../tensor/float16.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';

/** One class and its score. */
export interface ClassScore {
  /** 0-based class index in the model's output. */
  readonly index: number;
  /** The class's label from the manifest, or its index as a string when there are no labels. */
  readonly label: string;
  /** The class's probability (after the activation). */
  readonly score: number;
}

/** A classification of one example. */
export interface Classification {
  /** The best class. */
  readonly label: string;
  /** 0-based index of the best class. */
  readonly index: number;
  /** Probability of the best class (after the activation). */
  readonly score: number;
  /** The best `topK` classes, best first. */
  readonly top: readonly ClassScore[];
  /** Probabilities of every class (after the activation). */
  readonly probabilities: readonly number[];
}

/** Numerically stable softmax. */
export function softmax(values: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The `k` largest values with their indices, best first. */
export function topK(
  values: ArrayLike<number>,
  k: number,
): {
  /** 0-based position of the value in `values`. */
  index: number;
  /** The value. */
  score: number;
}[] {
  return Array.from(values, (score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(0, k));
}

function looksLikeProbabilities(row: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v < 0 || v > 1) return false;
    sum += v;
  }
  return Math.abs(sum - 1) < 1e-3;
}

function toNumbers(t: Tensor): ArrayLike<number> {
  if (t.dtype === 'float16') return Array.from(t.data as Uint16Array, float16BitsToFloat32);
  if (t.dtype === 'string') throw new ServableError('UNSUPPORTED_CAPABILITY', `output: expected numeric scores to classify, got strings — ask for output: 'tensors'`);
  if (t.dtype === 'int64' || t.dtype === 'uint64') return Array.from(t.data as BigInt64Array, Number);
  return t.data as ArrayLike<number>;
}

/**
 * Turns a scores tensor ([batch, classes] or [classes]) into classifications with labels.
 * @param outputs - raw outputs
 * @param manifest - labels and postprocessing
 * @param override - postprocessing that wins over the manifest's
 */
export function classify(outputs: TensorMap, manifest: ModelManifest | undefined, override: Postprocessing = {}): Classification[] {
  const post = { ...manifest?.postprocessing, ...override };
  const name = post.output ?? Object.keys(outputs)[0];
  const tensor = name === undefined ? undefined : outputs[name];
  if (!tensor) throw new ServableError('INVALID_ARGUMENT', `postprocessing.output: expected one of ${Object.keys(outputs).join(', ')}, got "${name}"`);
  const classes = tensor.shape[tensor.shape.length - 1] ?? 0;
  const rows = tensor.shape.length >= 2 ? tensor.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
  const values = toNumbers(tensor);
  const labels = manifest?.labels;
  const k = Math.min(post.topK ?? 3, classes);
  const out: Classification[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.prototype.slice.call(values, r * classes, (r + 1) * classes) as number[];
    let probs: number[];
    const activation = post.activation ?? 'auto';
    if (activation === 'softmax' || (activation === 'auto' && !looksLikeProbabilities(row))) probs = softmax(row);
    else if (activation === 'sigmoid') probs = row.map((v) => 1 / (1 + Math.exp(-v)));
    else probs = row;
    const top = topK(probs, k).map((t) => ({ ...t, label: labels?.[t.index] ?? String(t.index) }));
    const best = top[0] ?? { index: 0, score: 0, label: labels?.[0] ?? '0' };
    out.push({ label: best.label, index: best.index, score: best.score, top, probabilities: probs });
  }
  return out;
}
