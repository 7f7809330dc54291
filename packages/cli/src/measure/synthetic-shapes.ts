import { ServableError, type Dim, type ModelSignature, type TensorSpec } from '@servable/core';

/** A `--shape` entry: an input name with its whole shape, or a symbolic dimension with its size. */
export interface ShapeOverride {
  /** Input name or symbolic dimension name. */
  readonly name: string;
  /** Sizes (one for a dimension name; the input's whole shape, possibly empty for a scalar). */
  readonly sizes: readonly number[];
}

/** Size given to symbolic spatial dimensions of image inputs (a multiple of 32, as detectors need). */
export const IMAGE_DIM_SIZE = 224;
/** Size given to other symbolic dimensions (sequence lengths, audio samples, feature counts). */
export const OTHER_DIM_SIZE = 64;

/** How synthetic inputs are sized: each symbolic name once, for every input that uses it. */
export interface SyntheticInputPlan {
  /** Symbolic names that follow the batch size. */
  readonly batchDims: readonly string[];
  /** Sizes of the other symbolic names, and where each came from. */
  readonly dims: Readonly<Record<string, { readonly size: number; readonly from: 'shape flag' | 'image default' | 'default' }>>;
  /** Batch sizes to measure: those asked for, or the model's own when it has no symbolic batch. */
  readonly batches: readonly number[];
  /** The concrete shape of every input for one batch size. */
  shapesFor(batch: number): Record<string, number[]>;
}

function usage(subject: string, expected: string, received: string, fix: string): ServableError {
  return new ServableError('INVALID_ARGUMENT', `${subject}: expected ${expected}, got ${received} — ${fix}`, { details: { subject, expected, received, fix } });
}

/**
 * Parses `--shape` values: `name=1,3,640,640` (an input's shape), `height=640` (a symbolic
 * dimension), `sr=` (a scalar input).
 * @throws ServableError `INVALID_ARGUMENT` for malformed entries
 */
export function parseShapeOverrides(values: readonly string[]): ShapeOverride[] {
  const seen = new Set<string>();
  return values.map((raw) => {
    const eq = raw.lastIndexOf('=');
    const name = eq > 0 ? raw.slice(0, eq).trim() : '';
    const list = eq > 0 ? raw.slice(eq + 1).trim() : '';
    const parts = list === '' ? [] : list.split(',').map((p) => p.trim());
    if (!name || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 1_000_000)) {
      throw usage('flag --shape', 'name=sizes such as x=1,3,640,640, height=640 or sr= (a scalar)', `"${raw}"`, 'give an input or dimension name, "=", and comma-separated whole numbers');
    }
    if (seen.has(name)) throw usage('flag --shape', `each name once`, `"${name}" twice`, 'keep one --shape per input or dimension');
    seen.add(name);
    return { name, sizes: parts.map(Number) };
  });
}

function isImage(spec: TensorSpec): { spatial: number[] } | undefined {
  const s = spec.shape;
  if (s.length !== 4 || (!spec.dtype.startsWith('float') && spec.dtype !== 'uint8')) return undefined;
  const channels = (d: Dim | undefined) => typeof d === 'number' && [1, 3, 4].includes(d);
  if (channels(s[1])) return { spatial: [2, 3] };
  if (channels(s[3])) return { spatial: [1, 2] };
  return undefined;
}

/** Names that follow the batch: the first dimension of each input, and RNN-state batches `[layers, batch, hidden]`. */
function batchNames(signature: ModelSignature): Set<string> {
  const names = new Set<string>();
  for (const spec of signature.inputs) {
    const [first] = spec.shape;
    if (typeof first === 'string') names.add(first);
  }
  for (const spec of signature.inputs) {
    const symbolic = spec.shape.map((d, i) => [d, i] as const).filter(([d]) => typeof d === 'string');
    if (spec.shape.length === 3 && typeof spec.shape[0] === 'number' && symbolic.length === 1 && symbolic[0]![1] === 1) names.add(symbolic[0]![0] as string);
  }
  return names;
}

/**
 * Sizes the synthetic inputs of a model once per symbolic name, so inputs that share a name
 * agree (`state [2, batch, 128]` follows `input [batch, samples]`). The batch dimensions follow
 * the batch size; `--shape` sets any input's shape or any dimension's size; spatial dimensions of
 * image inputs default to {@link IMAGE_DIM_SIZE} and all others to {@link OTHER_DIM_SIZE}.
 *
 * @param signature - the model's signature
 * @param overrides - parsed `--shape` entries
 * @param batches - the batch sizes asked for (`--batch`), or `undefined` when not given
 * @param defaultBatches - what to measure when `--batch` was not given and `--shape` set no batch
 * @throws ServableError `INVALID_ARGUMENT` naming the entry that does not fit the signature
 */
export function planSyntheticInputs(signature: ModelSignature, overrides: readonly ShapeOverride[], batches: readonly number[] | undefined, defaultBatches: readonly number[]): SyntheticInputPlan {
  const batchDims = batchNames(signature);
  const bound = new Map<string, { size: number; from: 'shape flag' }>();
  const inputNames = new Set(signature.inputs.map((s) => s.name));
  const dimNames = new Set(signature.inputs.flatMap((s) => s.shape.filter((d): d is string => typeof d === 'string')));
  let userBatch: number | undefined;
  const bind = (dim: string, size: number, where: string) => {
    if (batchDims.has(dim)) {
      if (userBatch !== undefined && userBatch !== size) throw usage('flag --shape', `one batch size for "${dim}"`, `${userBatch} and ${size} (${where})`, 'give the same size wherever the batch appears, or use --batch');
      userBatch = size;
      return;
    }
    const prior = bound.get(dim);
    if (prior && prior.size !== size) throw usage('flag --shape', `one size for dimension "${dim}"`, `${prior.size} and ${size} (${where})`, `inputs that share "${dim}" must agree`);
    bound.set(dim, { size, from: 'shape flag' });
  };
  for (const o of overrides) {
    if (inputNames.has(o.name)) {
      const spec = signature.inputs.find((s) => s.name === o.name)!;
      const shown = `[${spec.shape.join(', ')}]`;
      if (o.sizes.length !== spec.shape.length) {
        throw usage(`flag --shape ${o.name}`, `${spec.shape.length} size(s) for input "${o.name}" ${shown}`, `${o.sizes.length} (${o.sizes.join(',') || 'a scalar'})`, `write it as ${o.name}=${spec.shape.map((d) => (typeof d === 'number' ? d : 'N')).join(',')}`);
      }
      spec.shape.forEach((d, i) => {
        const size = o.sizes[i]!;
        if (typeof d === 'number') {
          if (d !== size) throw usage(`flag --shape ${o.name}`, `${d} at axis ${i} of input "${o.name}" ${shown} (fixed in the model)`, String(size), `keep ${d} there`);
        } else bind(d, size, `input "${o.name}" axis ${i}`);
      });
    } else if (dimNames.has(o.name)) {
      if (o.sizes.length !== 1) throw usage(`flag --shape ${o.name}`, `one size for dimension "${o.name}"`, `${o.sizes.length}`, `write it as ${o.name}=N`);
      bind(o.name, o.sizes[0]!, `dimension "${o.name}"`);
    } else {
      throw usage(
        `flag --shape ${o.name}`,
        `an input (${[...inputNames].join(', ') || 'none'}) or a symbolic dimension (${[...dimNames].join(', ') || 'none'})`,
        `"${o.name}"`,
        'use a name that `servable inspect` lists in the signature',
      );
    }
  }
  const dims: Record<string, { size: number; from: 'shape flag' | 'image default' | 'default' }> = Object.fromEntries(bound);
  for (const spec of signature.inputs) {
    const image = isImage(spec);
    spec.shape.forEach((d, i) => {
      if (typeof d !== 'string' || batchDims.has(d) || dims[d]) return;
      dims[d] = image?.spatial.includes(i) ? { size: IMAGE_DIM_SIZE, from: 'image default' } : { size: OTHER_DIM_SIZE, from: 'default' };
    });
  }
  let measured: readonly number[];
  if (batchDims.size === 0) {
    const fixed = signature.inputs.map((s) => s.shape[0]).find((d) => typeof d === 'number');
    measured = [typeof fixed === 'number' ? fixed : 1];
  } else {
    measured = batches ?? (userBatch !== undefined ? [userBatch] : defaultBatches);
  }
  return {
    batchDims: [...batchDims],
    dims,
    batches: [...new Set(measured)],
    shapesFor(batch: number) {
      return Object.fromEntries(signature.inputs.map((s) => [s.name, s.shape.map((d) => (typeof d === 'number' ? d : batchDims.has(d) ? batch : dims[d]!.size))]));
    },
  };
}

/** `x [1, 3, 224, 224], sr []` for reports. */
export function describeShapes(shapes: Readonly<Record<string, readonly number[]>>): string {
  return Object.entries(shapes)
    .map(([name, s]) => `${name} [${s.join(', ')}]`)
    .join(', ');
}
