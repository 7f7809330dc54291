import type { ModelSignature } from '@servable/core';
import type { CliIo } from './cli-io.js';
import type { CommandArguments, OptionSpec } from './command.js';
import { integerListOption, numberOption, stringOption } from './parse-command-line.js';
import { ALL_RUNTIME_CHOICES, parseRuntimeList, type RuntimeChoice } from '../engines/runtime-chain.js';
import type { RunRuntimesOptions } from '../inspect/runtime-trial.js';
import { isolatedChildEntry, needsIsolation, runIsolated } from '../isolated/isolated-run.js';
import { parseShapeOverrides, planSyntheticInputs } from '../measure/synthetic-shapes.js';
import type { SummaryTensor } from '../inspect/model-summary.js';

/** Batch sizes measured when `--batch` is not given. */
export const DEFAULT_BATCHES: readonly number[] = [1, 8, 32];

/** The `--shape` flag of `inspect` and `bench`. */
export const SHAPE_OPTION: OptionSpec = {
  type: 'string',
  multiple: true,
  valueName: 'NAME=SIZES',
  description: 'size of the synthetic inputs: an input\'s shape (x=1,3,640,640), a symbolic dimension (height=640) or a scalar (sr=); repeatable',
};

/** What `inspect` and `bench` measure with. */
export interface MeasureFlags {
  readonly choices: readonly RuntimeChoice[];
  readonly options: RunRuntimesOptions;
}

/**
 * Reads `--runtime`, `--batch`, `--seconds` and `--shape`, and checks `--shape` against the
 * signature the file declares (when it declares one), so a wrong name fails before any runtime
 * starts. Runtimes whose engines print from native code run in a child process.
 * @throws ServableError `INVALID_ARGUMENT` for a bad flag
 */
export function readMeasureFlags(
  command: string,
  args: CommandArguments,
  io: CliIo,
  model: { path: string; declaredInputs: readonly SummaryTensor[] },
  seconds: { min: number; max: number },
): MeasureFlags {
  const runtimeList = stringOption(args, 'runtime');
  const choices = runtimeList ? parseRuntimeList(runtimeList) : ALL_RUNTIME_CHOICES;
  const batches = integerListOption(command, args, 'batch', { min: 1, max: 65536 });
  const secondsValue = numberOption(command, args, 'seconds', seconds)!;
  const raw = args.values.shape;
  const shapes = parseShapeOverrides(Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : []);
  if (shapes.length > 0 && model.declaredInputs.length > 0) {
    let unnamed = 0;
    const declared: ModelSignature = {
      inputs: model.declaredInputs.map((t) => ({ name: t.name, dtype: t.dtype as never, shape: (t.shape ?? []).map((d) => (d === null ? `?${unnamed++}` : d)) })),
      outputs: [],
    };
    planSyntheticInputs(declared, shapes, batches, DEFAULT_BATCHES);
  }
  const entry = isolatedChildEntry();
  const base = { seconds: secondsValue, batches, defaultBatches: DEFAULT_BATCHES, shapes };
  return {
    choices,
    options: {
      ...base,
      isolate: (choice) => (entry && needsIsolation(choice) ? runIsolated({ path: model.path, cwd: io.cwd, choice, options: base }, entry) : undefined),
    },
  };
}
