import { ServableError, type ModelFormat, type Runtime } from '@servable/core';

/** One entry of a `--runtime` list: `onnx-node:cuda` → `{ name: 'onnx-node', device: 'cuda' }`. */
export interface RuntimeChoice {
  /** `onnx-node` or `tfjs`. */
  readonly name: string;
  /** Device (onnx-node: `cpu`, `cuda`, `webgpu`) or backend (tfjs: `wasm`, `cpu`). */
  readonly device: string;
}

/** Runtimes the CLI can build, with their devices; the first device is the default. */
export const RUNTIME_CATALOG: Readonly<Record<string, { readonly devices: readonly string[]; readonly formats: readonly ModelFormat[]; readonly packageName: string }>> = {
  'onnx-node': { devices: ['cpu', 'cuda', 'webgpu'], formats: ['onnx'], packageName: '@servable/runtime-node' },
  tfjs: { devices: ['wasm', 'cpu'], formats: ['tfjs-layers', 'tfjs-graph'], packageName: '@servable/runtime-tfjs' },
};

/** Every runtime and device this machine might offer, in the order `inspect` and `bench` try them. */
export const ALL_RUNTIME_CHOICES: readonly RuntimeChoice[] = Object.entries(RUNTIME_CATALOG).flatMap(([name, r]) => r.devices.map((device) => ({ name, device })));

/** `onnx-node:cuda,onnx-node` for messages. */
export function formatRuntimeList(list: readonly RuntimeChoice[]): string {
  return list.map((c) => `${c.name}:${c.device}`).join(',');
}

/**
 * Parses `--runtime onnx-node:cuda,onnx-node,tfjs:wasm` (a missing device means the runtime's first).
 * @throws ServableError `INVALID_ARGUMENT` naming the bad entry and the known ones
 */
export function parseRuntimeList(text: string): RuntimeChoice[] {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `flag --runtime: expected a list such as onnx-node:cuda,onnx-node, got "${text}"`);
  }
  return entries.map((entry) => {
    const [name = '', device] = entry.split(':');
    const known = RUNTIME_CATALOG[name];
    if (!known) {
      throw new ServableError(
        'INVALID_ARGUMENT',
        `flag --runtime entry "${entry}": expected a runtime among ${Object.keys(RUNTIME_CATALOG).join(', ')}, got "${name}" — write it as name[:device], such as onnx-node:cuda`,
      );
    }
    const d = device ?? known.devices[0]!;
    if (!known.devices.includes(d)) {
      throw new ServableError('INVALID_ARGUMENT', `flag --runtime entry "${entry}": expected a ${name} device among ${known.devices.join(', ')}, got "${d}"`);
    }
    return { name, device: d };
  });
}

/** The default chain for a format: ONNX on onnx-node (cpu), TensorFlow.js models on tfjs (wasm). */
export function defaultRuntimeChoices(format?: ModelFormat): RuntimeChoice[] {
  if (format === 'tfjs-layers' || format === 'tfjs-graph') return [{ name: 'tfjs', device: 'wasm' }];
  if (format === 'onnx') return [{ name: 'onnx-node', device: 'cpu' }];
  return [
    { name: 'onnx-node', device: 'cpu' },
    { name: 'tfjs', device: 'wasm' },
  ];
}

type RuntimeFactory = (options: Record<string, unknown>) => Runtime;

const modules = new Map<string, Promise<Record<string, unknown>>>();

function importPackage(packageName: string): Promise<Record<string, unknown>> {
  let p = modules.get(packageName);
  if (!p) {
    p = import(/* @vite-ignore */ packageName).then((m: Record<string, unknown>) => m);
    modules.set(packageName, p);
  }
  return p;
}

/** Options of {@link createRuntimes}. */
export interface CreateRuntimesOptions {
  /**
   * Keep the engines' own log lines off stderr (onnx-node: `logLevel: 'fatal'`): for commands
   * that report every failure themselves, such as `inspect`, `bench` and `doctor`.
   */
  readonly quiet?: boolean;
}

/**
 * Builds the runtime objects of a chain, importing each runtime package only when it is named.
 * A package that cannot be imported becomes a runtime whose probe says why, so the chain moves
 * on and the report shows the reason.
 */
export async function createRuntimes(choices: readonly RuntimeChoice[], options: CreateRuntimesOptions = {}): Promise<Runtime[]> {
  const out: Runtime[] = [];
  for (const choice of choices) {
    const entry = RUNTIME_CATALOG[choice.name]!;
    let factory: RuntimeFactory | undefined;
    let failure: string | undefined;
    try {
      const mod = await importPackage(entry.packageName);
      const fn = choice.name === 'onnx-node' ? mod.onnxNode : mod.tfjs;
      if (typeof fn === 'function') factory = fn as RuntimeFactory;
      else failure = `${entry.packageName} does not export ${choice.name === 'onnx-node' ? 'onnxNode' : 'tfjs'}()`;
    } catch (e) {
      failure = `${entry.packageName} could not be imported: ${(e as Error).message.split('\n')[0]}`;
    }
    if (factory) {
      out.push(factory(choice.name === 'onnx-node' ? { device: choice.device, ...(options.quiet ? { logLevel: 'fatal' } : {}) } : { backend: choice.device }));
    } else {
      const reason = failure!;
      out.push({
        specificationVersion: 'v1',
        name: choice.name,
        device: choice.device,
        formats: entry.formats,
        probe: async () => ({ available: false, reason }),
        doLoad: async () => {
          throw new ServableError('RUNTIME_UNAVAILABLE', `runtime ${choice.name}: expected ${entry.packageName} to be installed, got: ${reason}`);
        },
      });
    }
  }
  return out;
}
