import { describe, expectTypeOf, it } from 'vitest';
import {
  createPredictor,
  loadModel,
  ServableError,
  type Classification,
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

  it('rejects unknown output modes and options', () => {
    // @ts-expect-error not an output mode
    void predictor.predict([1], { output: 'json' });
    // @ts-expect-error topK is a number
    void predictor.predict([1], { topK: '3' });
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
