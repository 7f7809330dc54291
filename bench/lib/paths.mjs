// Locations the benchmarks read from, relative to this repository.
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Test fixtures: `fixtures/models/*.onnx`. */
export const fixtureModel = (name) => fileURLToPath(new URL(`../../fixtures/models/${name}`, import.meta.url));
/** Models exported by the bench setup scripts (git-ignored). */
export const benchModel = (name) => fileURLToPath(new URL(`../models/${name}`, import.meta.url));
