import { describe, expectTypeOf, it } from 'vitest';
import {
  createPredictor,
  loadModel,
  ServableError,
  type Classification,
  type ClassScore,
  type InputValue,
  type PredictInput,
  type ErrorCode,
  type LoadedModel,
  type Model,
  type ModelDecryptor,
  type Prediction,
  type Predictor,
  type ResolvedModelSource,
  type Runtime,
  type Tensor,
  type TensorMap,
} from './index.js';
import { createFakeRuntime, type FakeRuntime } from './testing/index.js';

declare const predictor: Predictor;
declare const runtime: Runtime;

describe('predictor overloads', () => {
  it('narrows the result by output mode', () => {
    expectTypeOf(predictor.predict([1, 2], { output: 'tensors' })).toEqualTypeOf<Promise<TensorMap>>();
    expectTypeOf(predictor.predict([1, 2], { output: 'classification' })).toEqualTypeOf<Promise<Classification | Classification[]>>();
    expectTypeOf(predictor.predict([1, 2])).toEqualTypeOf<Promise<Prediction>>();
    expectTypeOf(predictor.predict([1, 2], { output: 'auto', topK: 2 })).toEqualTypeOf<Promise<Prediction>>();
  });

  it('answers one classification for one image and an array for a batch of images', () => {
    const image = { data: new Uint8Array(784), width: 28, height: 28, channels: 1 as const };
    expectTypeOf(predictor.predict(image, { output: 'classification' })).toEqualTypeOf<Promise<Classification>>();
    expectTypeOf(predictor.predict([image, image], { output: 'classification' })).toEqualTypeOf<Promise<Classification[]>>();
    expectTypeOf(predictor.predict(image)).toEqualTypeOf<Promise<Prediction<Classification>>>();
    expectTypeOf(predictor.predict([image])).toEqualTypeOf<Promise<Prediction<Classification[]>>>();
  });

  it('lets batch pin the answer where the input type cannot say', () => {
    expectTypeOf(predictor.predict([[1, 2]], { output: 'classification', batch: true })).toEqualTypeOf<Promise<Classification[]>>();
    expectTypeOf(predictor.predict([1, 2], { output: 'classification', batch: false })).toEqualTypeOf<Promise<Classification>>();
    expectTypeOf(predictor.predict(new Float32Array(4), { batch: false })).toEqualTypeOf<Promise<Prediction<Classification>>>();
    expectTypeOf(predictor.predict({ a: [1], b: [2] }, { batch: true })).toEqualTypeOf<Promise<Prediction<Classification[]>>>();
  });

  it('destructures one classification without narrowing (the README program)', async () => {
    const pixels = new Uint8Array(784);
    const { label, score, top } = await predictor.predict({ data: pixels, width: 28, height: 28, channels: 1 }, { output: 'classification' });
    expectTypeOf(label).toEqualTypeOf<string>();
    expectTypeOf(score).toEqualTypeOf<number>();
    expectTypeOf(top).toEqualTypeOf<readonly ClassScore[]>();
  });

  it('takes only what the pipeline accepts', () => {
    const pixels = new Uint8Array(784);
    // @ts-expect-error a misspelt image field is neither an image nor a record of input values
    void predictor.predict({ data: pixels, widht: 28, height: 28 });
    // @ts-expect-error an object is not an input value
    void predictor.predict({ pixels: { rows: 28 } });
    // @ts-expect-error a function is not input
    void predictor.predict(() => 1);
    expectTypeOf<InputValue>().toMatchTypeOf<PredictInput>();
    expectTypeOf<Tensor>().toMatchTypeOf<PredictInput>();
    expectTypeOf<Float32Array[]>().toMatchTypeOf<PredictInput>();
    expectTypeOf<{ ids: BigInt64Array; mask: boolean[][] }>().toMatchTypeOf<PredictInput>();
    expectTypeOf<string[]>().toMatchTypeOf<PredictInput>();
  });

  it('rejects unknown output modes and options', () => {
    // @ts-expect-error not an output mode
    void predictor.predict([1], { output: 'json' });
    // @ts-expect-error topK is a number
    void predictor.predict([1], { topK: '3' });
    // @ts-expect-error batch is a boolean
    void predictor.predict([1], { batch: 'yes' });
    // @ts-expect-error a misspelt option
    void predictor.predict([1], { output: 'classification', topk: 3 });
  });

  it('is async-disposable and built from a Model', () => {
    expectTypeOf(predictor).toMatchTypeOf<AsyncDisposable>();
    expectTypeOf(createPredictor).parameter(0).toEqualTypeOf<Model>();
    expectTypeOf(createPredictor).returns.toEqualTypeOf<Predictor>();
  });
});

describe('runtime contract', () => {
  it('has the v1 members with do-prefixed adapter methods', () => {
    expectTypeOf(runtime.specificationVersion).toEqualTypeOf<'v1'>();
    expectTypeOf(runtime.doLoad).parameter(0).toEqualTypeOf<ResolvedModelSource>();
    expectTypeOf(runtime.doLoad).returns.toEqualTypeOf<Promise<LoadedModel>>();
    expectTypeOf<LoadedModel['doRun']>().returns.toEqualTypeOf<Promise<TensorMap>>();
    expectTypeOf<LoadedModel['gradients']>().toBeNullable();
  });

  it('refuses another contract version', () => {
    const v2 = { ...runtime, specificationVersion: 'v2' as const };
    // @ts-expect-error core needs v1
    void loadModel('m', { runtimes: [v2] });
  });

  it('loadModel takes runtimes and resolves a Model', () => {
    expectTypeOf(loadModel).returns.toEqualTypeOf<Promise<Model>>();
    expectTypeOf<FakeRuntime>().toMatchTypeOf<Runtime>();
    expectTypeOf(createFakeRuntime).returns.toEqualTypeOf<FakeRuntime>();
  });

  it('decryptors turn ciphertext into plaintext bytes', () => {
    expectTypeOf<ModelDecryptor>().returns.toEqualTypeOf<Promise<Uint8Array>>();
  });
});

describe('errors and tensors', () => {
  it('narrows unknown errors and exposes the code union', () => {
    const e: unknown = new Error('x');
    if (ServableError.isInstance(e)) expectTypeOf(e.code).toEqualTypeOf<ErrorCode>();
    expectTypeOf<'INVALID_INPUT'>().toMatchTypeOf<ErrorCode>();
    expectTypeOf<'NOT_A_CODE'>().not.toMatchTypeOf<ErrorCode>();
  });

  it('ties tensor storage to the dtype', () => {
    expectTypeOf<Tensor<'int64'>['data']>().toEqualTypeOf<BigInt64Array>();
    expectTypeOf<Tensor<'float16'>['data']>().toEqualTypeOf<Uint16Array>();
    expectTypeOf<Tensor<'string'>['data']>().toEqualTypeOf<string[]>();
  });
});
