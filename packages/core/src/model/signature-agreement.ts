import { formatSpec, type ModelSignature, type TensorSpec } from './signature.js';

function compareSpecs(kind: 'input' | 'output', declared: readonly TensorSpec[], actual: readonly TensorSpec[]): string | undefined {
  const byName = new Map(actual.map((s) => [s.name, s]));
  for (const want of declared) {
    const got = byName.get(want.name);
    if (!got) return `${kind} "${want.name}" is declared in servable.json but the model has ${actual.map((s) => `"${s.name}"`).join(', ') || 'none'}`;
    const sameDims =
      got.shape.length === want.shape.length && want.shape.every((d, i) => typeof d !== 'number' || typeof got.shape[i] !== 'number' || d === got.shape[i]);
    if (got.dtype !== want.dtype || !sameDims) return `${kind} "${want.name}" is ${formatSpec(want)} in servable.json but ${formatSpec(got)} in the model`;
  }
  const declaredNames = new Set(declared.map((s) => s.name));
  const extra = actual.find((s) => !declaredNames.has(s.name));
  if (extra) return `${kind} "${extra.name}" of the model is missing from servable.json`;
  return undefined;
}

/**
 * Compares the signature a manifest declares with the one the runtime reports. Names, dtypes
 * and ranks must match, and so must dimensions that both give as numbers; a symbolic
 * dimension agrees with any size.
 * @returns why they disagree, or undefined when they agree
 */
export function signatureDisagreement(declared: ModelSignature, actual: ModelSignature): string | undefined {
  return compareSpecs('input', declared.inputs, actual.inputs) ?? compareSpecs('output', declared.outputs, actual.outputs);
}
