export { runConformanceSuite, type ConformanceOptions, type ConformanceFixture, type ConformanceFixtures, type ConformanceTestApi } from './conformance.js';
export { createFakeRuntime, type FakeRuntime, type FakeRuntimeOptions } from './fake-runtime.js';
export { assertTensorClose, goldenToTensor, goldenToTensors, type GoldenCase, type GoldenTensor } from './golden.js';
