import { EXPLAIN_METHODS, ServableError, type ExplainMethod, type ExplainOptions, type PatchSize } from '@servable/core';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(key: string, expected: string, value: unknown): ServableError {
  return new ServableError('INVALID_ARGUMENT', `explain parameters.${key}: expected ${expected}, got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)}`);
}

function positiveInteger(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw fail(key, 'a positive integer', value);
  return value;
}

function patchSize(key: string, value: unknown): PatchSize {
  if (typeof value === 'number') return positiveInteger(key, value);
  if (isObject(value)) return { width: positiveInteger(`${key}.width`, value.width), height: positiveInteger(`${key}.height`, value.height) };
  throw fail(key, 'a positive integer or {"width": w, "height": h}', value);
}

/**
 * Reads the explanation options of an `/explain` request from its OIP `parameters`: `method`
 * (`occlusion`, `kernelshap`, `integrated-gradients` or `saliency`) and the method's options
 * `steps`, `samples`, `seed`, `target` (an index, or `{"output", "index"}`), `baseline` (a number
 * or an array in the model's input space), `patch`, `stride`, `gradients`, `epsilon`, `absolute`
 * and `input`. Their meaning is core's `ExplainOptions`.
 * @throws ServableError `INVALID_ARGUMENT` naming the parameter, what was expected and what came
 */
export function explainOptionsFromParameters(parameters: Readonly<Record<string, unknown>> | undefined): ExplainOptions {
  const p = parameters ?? {};
  const method = p.method;
  if (typeof method !== 'string' || !(EXPLAIN_METHODS as readonly string[]).includes(method)) {
    throw fail('method', `one of ${EXPLAIN_METHODS.map((m) => `"${m}"`).join(', ')} — for example {"parameters": {"method": "integrated-gradients"}}`, method);
  }
  const options: Writable<ExplainOptions> = { method: method as ExplainMethod };
  if (p.steps !== undefined) options.steps = positiveInteger('steps', p.steps);
  if (p.samples !== undefined) options.samples = positiveInteger('samples', p.samples);
  if (p.seed !== undefined) {
    if (typeof p.seed !== 'number' || !Number.isSafeInteger(p.seed)) throw fail('seed', 'an integer', p.seed);
    options.seed = p.seed;
  }
  if (p.target !== undefined) {
    if (typeof p.target === 'number') {
      if (!Number.isSafeInteger(p.target) || p.target < 0) throw fail('target', 'a non-negative integer index or {"output": name, "index": i}', p.target);
      options.target = p.target;
    } else if (isObject(p.target)) {
      const { output, index } = p.target;
      if (output !== undefined && typeof output !== 'string') throw fail('target.output', 'an output name', output);
      if (index !== undefined && (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0)) throw fail('target.index', 'a non-negative integer', index);
      options.target = { ...(output !== undefined ? { output } : {}), ...(index !== undefined ? { index: index as number } : {}) };
    } else throw fail('target', 'a non-negative integer index or {"output": name, "index": i}', p.target);
  }
  if (p.baseline !== undefined) {
    if (typeof p.baseline === 'number' ? !Number.isFinite(p.baseline) : !Array.isArray(p.baseline)) {
      throw fail('baseline', 'a number or an array of numbers with the example\'s shape, in the model\'s input space', p.baseline);
    }
    options.baseline = p.baseline as number | unknown[];
  }
  if (p.patch !== undefined) options.patch = patchSize('patch', p.patch);
  if (p.stride !== undefined) options.stride = patchSize('stride', p.stride);
  if (p.gradients !== undefined) {
    if (p.gradients !== 'auto' && p.gradients !== 'exact' && p.gradients !== 'finite-differences') throw fail('gradients', '"auto", "exact" or "finite-differences"', p.gradients);
    options.gradients = p.gradients;
  }
  if (p.epsilon !== undefined) {
    if (typeof p.epsilon !== 'number' || !Number.isFinite(p.epsilon) || p.epsilon <= 0) throw fail('epsilon', 'a positive number', p.epsilon);
    options.epsilon = p.epsilon;
  }
  if (p.absolute !== undefined) {
    if (typeof p.absolute !== 'boolean') throw fail('absolute', 'true or false', p.absolute);
    options.absolute = p.absolute;
  }
  if (p.input !== undefined) {
    if (typeof p.input !== 'string') throw fail('input', 'the name of the input to explain', p.input);
    options.input = p.input;
  }
  return options;
}
