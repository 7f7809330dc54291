import { ServableError, throwIfAborted, type Availability, type ResolvedModelSource, type Runtime, type RuntimeLoadOptions } from '@servable/core';
import type { InferenceSession } from 'onnxruntime-node';
import { sanitizeEngineMessage } from './engine-message.js';
import { sessionCreateError, type EngineFailureContext } from './engine-errors.js';
import { OnnxNodeModel } from './onnx-node-model.js';
import { validateOnnxNodeOptions, type OnnxNodeDevice, type OnnxNodeOptions } from './onnx-node-options.js';
import { readOnnxSignature } from './onnx-signature.js';
import { loadOrt } from './ort-module.js';
import { probeDevice } from './probe.js';
import { buildSessionOptions } from './session-options.js';

/** The runtime {@link onnxNode} returns. */
export interface OnnxNodeRuntime extends Runtime {
  readonly name: 'onnx-node';
  readonly device: OnnxNodeDevice;
  /** The options it was made with. */
  readonly options: Readonly<OnnxNodeOptions>;
}

async function pathFacts(path: string): Promise<{ base: string; folder: string; size: number | undefined }> {
  const nodePath = await import('node:path');
  const fs = await import('node:fs/promises');
  const size = await fs.stat(path).then((s) => s.size, () => undefined);
  return { base: nodePath.basename(path), folder: nodePath.dirname(path), size };
}

async function readExternal(source: ResolvedModelSource, name: string, subject: string): Promise<Uint8Array> {
  try {
    return await source.readSibling(name);
  } catch (e) {
    if (ServableError.isInstance(e)) throw e;
    throw new ServableError(
      'MODEL_LOAD_FAILED',
      `model ${subject}: expected the external data file "${name}" listed in servable.json "files", got an error reading it (${sanitizeEngineMessage(String((e as Error)?.message ?? e))}) — put the file beside the model or remove it from "files"`,
      { details: { subject: name, expected: 'a readable file beside the model' } },
    );
  }
}

async function createSession(
  source: ResolvedModelSource,
  sessionOptions: InferenceSession.SessionOptions,
  context: { device: OnnxNodeDevice },
): Promise<{ session: InferenceSession; subject: string; paths: string[]; memoryBytes: number | undefined }> {
  const ort = await loadOrt();
  // Bytes already in memory (checked against the manifest's sha256) are what loads: reading the
  // path again would cost a second read and could see a file swapped after the check. A model
  // whose manifest lists external files loads by path, so onnxruntime memory-maps them; core
  // leaves no path for a decrypted model.
  const listsExternalFiles = (source.manifest?.files?.length ?? 0) > 0;
  if (source.path && (!source.bytes || listsExternalFiles)) {
    const facts = await pathFacts(source.path);
    const subject = source.manifest ? `${source.manifest.name}@${source.manifest.version}` : facts.base;
    const paths = [source.path, facts.folder];
    try {
      const session = await ort.InferenceSession.create(source.path, sessionOptions);
      return { session, subject, paths, memoryBytes: source.bytes?.byteLength ?? facts.size };
    } catch (e) {
      throw sessionCreateError(e, { subject, device: context.device, paths });
    }
  }
  const bytes = source.bytes;
  const subject = source.manifest ? `${source.manifest.name}@${source.manifest.version}` : source.url ? (source.url.split('/').pop() ?? 'model') : `${bytes?.byteLength ?? 0} bytes`;
  if (!bytes) {
    throw new ServableError('MODEL_LOAD_FAILED', `model ${subject}: expected the model file's bytes or a local path, got neither — load it through loadModel(), which fetches URLs`);
  }
  const files = source.manifest?.files ?? [];
  let options = sessionOptions;
  if (files.length > 0 && !sessionOptions.externalData) {
    const externalData = await Promise.all(files.map(async (name) => ({ path: name, data: await readExternal(source, name, subject) })));
    options = { ...sessionOptions, externalData };
  }
  try {
    const session = await ort.InferenceSession.create(bytes, options);
    return { session, subject, paths: [], memoryBytes: bytes.byteLength };
  } catch (e) {
    throw sessionCreateError(e, { subject, device: context.device, paths: [] });
  }
}

/**
 * ONNX Runtime for Node.js (onnxruntime-node) as a Servable runtime, on `cpu`, `cuda` or `webgpu`.
 * Runtimes are values: making one loads nothing; `probe()` and the first load import the engine.
 * The `webgpu` probe opens an adapter in a child process, so Dawn's native diagnostics land in
 * its reason instead of on this process's stderr.
 *
 * @example
 * ```ts
 * import { loadModel, createPredictor, formatReport } from '@servable/core';
 * import { onnxNode } from '@servable/runtime-node';
 *
 * const model = await loadModel('models/mnist/1', { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
 * console.log(formatReport(model.report)); // cuda unavailable: … — served by onnx-node on cpu
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for a bad option
 */
export function onnxNode(options: OnnxNodeOptions = {}): OnnxNodeRuntime {
  validateOnnxNodeOptions(options);
  const device: OnnxNodeDevice = options.device ?? 'cpu';
  const built = buildSessionOptions(options);
  let probed: Promise<Availability> | undefined;
  return {
    specificationVersion: 'v1',
    name: 'onnx-node',
    device,
    formats: ['onnx'],
    options: Object.freeze({ ...options }),
    probe() {
      probed ??= probeDevice(device);
      return probed;
    },
    async doLoad(source: ResolvedModelSource, loadOptions: RuntimeLoadOptions) {
      throwIfAborted(loadOptions.signal, 'onnx-node load');
      if (source.format !== 'onnx') {
        throw new ServableError('MODEL_LOAD_FAILED', `onnx-node: expected an onnx model, got format "${source.format}" — use a runtime that loads ${source.format}`);
      }
      const ort = await loadOrt();
      const { session, subject, paths, memoryBytes } = await createSession(source, built.sessionOptions, { device });
      const context: EngineFailureContext = { subject, device, paths };
      try {
        throwIfAborted(loadOptions.signal, 'onnx-node load');
        const read = readOnnxSignature(session, subject);
        const allTensors = read.tensorOutputs.length === session.outputNames.length;
        return new OnnxNodeModel({
          ort,
          session,
          signature: read.signature,
          defaultFetches: allTensors ? undefined : read.tensorOutputs,
          device: device === 'cuda' ? `cuda:${options.deviceId ?? 0}` : device,
          warnings: [...built.warnings, ...read.warnings],
          memoryBytes,
          context,
        });
      } catch (e) {
        await session.release().catch(() => undefined);
        throw e;
      }
    },
  };
}
