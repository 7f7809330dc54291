export { runConformanceSuite, type ConformanceOptions, type ConformanceFixture, type ConformanceFixtures, type ConformanceTestApi } from './conformance.js';
export { assertTensorClose, goldenToTensor, goldenToTensors, type GoldenCase, type GoldenTensor } from './golden.js';
