import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ModelManifest } from '../model/manifest.js';
import { formatSpec, type TensorSpec } from '../model/signature.js';
import { flattenNested } from '../pipeline/coerce.js';
import { normalizeInput, type PredictInput } from '../pipeline/normalize.js';
import type { Predictor } from '../predictor/create-predictor.js';
import { formatShape, isTensor, shapeSize, type TensorMap } from '../tensor/tensor.js';
import { exampleLayout, type ExampleLayout } from './example-layout.js';
import type { ExplainOptions } from './explanation.js';
import { tensorToNumbers } from './numeric-values.js';

/** Everything the methods need to know about the example being explained. */
export interface ExplainContext {
  /** The predictor every evaluation goes through. */
  readonly predictor: Predictor;
  /** The model's manifest (labels, preprocessing), when it has one. */
  readonly manifest: ModelManifest | undefined;
  /** The explained input's spec. */
  readonly spec: TensorSpec;
  /** Shape of one example (no batch axis). */
  readonly exampleShape: readonly number[];
  /** Elements per example. */
  readonly size: number;
  /** Image grid or flat features. */
  readonly layout: ExampleLayout;
  /** The example's values. */
  readonly x: Float64Array;
  /** The baseline's values. */
  readonly baseline: Float64Array;
  /** The other inputs of the model, one example each (batch axis of 1), held fixed. */
  readonly fixedFeeds: TensorMap;
  /** The output to explain. */
  readonly outputName: string;
  /** Most examples per `predict` call. */
  readonly batchSize: number;
}

function explainedInputName(predictor: Predictor, manifest: ModelManifest | undefined, requested: string | undefined): TensorSpec {
  const inputs = predictor.signature.inputs;
  const name = requested ?? manifest?.preprocessing?.input ?? (inputs.length === 1 ? inputs[0]!.name : undefined);
  const names = inputs.map((s) => `"${s.name}"`).join(', ');
  if (name === undefined) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "input"', `the name of the input to explain (one of ${names})`, 'nothing', `this model has ${inputs.length} inputs, so say which one to explain`));
  }
  const spec = inputs.find((s) => s.name === name);
  if (!spec) throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "input"', `one of ${names}`, `"${name}"`, 'check the spelling'));
  return spec;
}

function outputName(predictor: Predictor, manifest: ModelManifest | undefined, requested: string | undefined): string {
  const outputs = predictor.signature.outputs;
  const name = requested ?? manifest?.postprocessing?.output ?? outputs[0]?.name;
  const spec = outputs.find((s) => s.name === name);
  if (!spec) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "target.output"', `one of ${outputs.map((s) => `"${s.name}"`).join(', ')}`, `"${String(name)}"`, 'name an output of the model'));
  }
  if (spec.dtype === 'string') {
    throw new ServableError('UNSUPPORTED_CAPABILITY', describeMismatch(`output "${spec.name}"`, 'a numeric output to explain', formatSpec(spec), 'choose a numeric output with target.output'));
  }
  return spec.name;
}

function baselineValues(value: ExplainOptions['baseline'], shape: readonly number[], size: number): Float64Array {
  const subject = 'explain option "baseline"';
  const out = new Float64Array(size);
  if (value === undefined) return out;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ServableError('INVALID_ARGUMENT', describeMismatch(subject, 'a finite number', String(value)));
    return out.fill(value);
  }
  let values: ArrayLike<unknown>;
  let given: readonly number[];
  if (isTensor(value)) {
    values = tensorToNumbers(value, subject);
    given = value.shape;
  } else {
    const nested = flattenNested(value, subject);
    values = nested.flat;
    given = nested.shape;
  }
  if (values.length !== size) {
    throw new ServableError(
      'SHAPE_MISMATCH',
      describeMismatch(subject, `one value per element of the example ${formatShape(shape)} (${size} values) or a single number`, `${formatShape(given)} (${values.length} values)`, 'give a baseline shaped like one example, without the batch axis'),
    );
  }
  for (let i = 0; i < size; i++) {
    const v = values[i];
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw new ServableError('INVALID_ARGUMENT', describeMismatch(`${subject}[${i}]`, 'a finite number', String(v), 'the baseline lives in the model input space (after preprocessing)'));
    }
    out[i] = n;
  }
  return out;
}

function batchLimit(spec: TensorSpec, requested: number | undefined): number {
  const fixed = typeof spec.shape[0] === 'number';
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "batchSize"', 'a positive integer', String(requested)));
  }
  return fixed ? 1 : requested ?? 64;
}

/**
 * Normalizes `input` with the predictor's pipeline and gathers what the methods need: the
 * example's values, the baseline, the layout and the output to explain.
 * @throws ServableError `INVALID_INPUT` (a batch of several examples), `UNSUPPORTED_CAPABILITY` (a text input or a model without a batch axis), `INVALID_ARGUMENT` (bad options)
 */
export function prepareExplanation(predictor: Predictor, input: PredictInput, options: ExplainOptions): ExplainContext {
  const manifest = predictor.model.manifest;
  const spec = explainedInputName(predictor, manifest, options.input);
  const subject = `input "${spec.name}"`;
  if (spec.dtype === 'string') {
    throw new ServableError('UNSUPPORTED_CAPABILITY', describeMismatch(subject, 'a numeric input to explain', formatSpec(spec), 'explanations perturb numbers; explain a numeric input'));
  }
  if (spec.shape.length === 0 || (typeof spec.shape[0] === 'number' && spec.shape[0] !== 1)) {
    throw new ServableError('UNSUPPORTED_CAPABILITY', describeMismatch(subject, 'a first (batch) axis that is symbolic or 1', formatSpec(spec), 'export the model with a batch axis to explain it'));
  }
  const { feeds, batchSize } = normalizeInput(input, predictor.signature, manifest);
  if (batchSize !== 1) {
    throw new ServableError('INVALID_INPUT', describeMismatch(subject, 'one example to explain', `a batch of ${batchSize}`, 'call explain once per example'));
  }
  const tensor = feeds[spec.name]!;
  const exampleShape = tensor.shape.slice(1);
  const size = shapeSize(exampleShape);
  if (size === 0) throw new ServableError('INVALID_INPUT', describeMismatch(subject, 'an example with at least one element', formatShape(exampleShape)));
  const fixedFeeds: TensorMap = {};
  for (const [name, t] of Object.entries(feeds)) if (name !== spec.name) fixedFeeds[name] = t;
  const target = typeof options.target === 'number' ? undefined : options.target;
  return {
    predictor,
    manifest,
    spec,
    exampleShape,
    size,
    layout: exampleLayout(exampleShape, manifest?.preprocessing?.image),
    x: tensorToNumbers(tensor, subject),
    baseline: baselineValues(options.baseline, exampleShape, size),
    fixedFeeds,
    outputName: outputName(predictor, manifest, target?.output),
    batchSize: batchLimit(spec, options.batchSize),
  };
}
