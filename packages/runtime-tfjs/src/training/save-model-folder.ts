import * as tf from '@tensorflow/tfjs';
import { MANIFEST_FILE, ServableError, sha256Hex, stringifyManifest, validateManifest, type LossName, type ModelManifest, type SaveOptions, type TrainingHistory } from '@servable/core';
import { serializeArtifacts, MODEL_JSON_FILE, WEIGHTS_FILE } from '../io/artifacts.js';
import { signatureOf } from '../runtime/loaded-tfjs-model.js';
import { exportOnnx, ONNX_FILE } from '../export/export-onnx.js';
import { MANIFEST_METADATA_KEY } from '../io/model-package.js';
import { nodeBuiltins } from '../platform/node-builtins.js';

/** The subfolder that holds the ONNX copy of a saved model. */
export const ONNX_FOLDER = 'onnx';

const TFJS_SCHEMES = /^(?!file:)[a-z][a-z0-9+.-]*:\/\//i;

/** Facts about training recorded in the manifest's metadata. */
export interface TrainingFacts {
  readonly history?: TrainingHistory;
  readonly backend: string;
  readonly loss: LossName;
}

function trainingMetadata(facts: TrainingFacts): Record<string, unknown> {
  const h = facts.history;
  const last: Record<string, number> = {};
  if (h) for (const [k, series] of Object.entries(h.history)) if (series.length) last[k] = series[series.length - 1]!;
  return {
    framework: `tfjs ${tf.version.tfjs}`,
    backend: facts.backend,
    loss: facts.loss,
    ...(h ? { epochs: h.epochs, stoppedEarly: h.stoppedEarly, examplesPerSecond: Math.round(h.examplesPerSecond), metrics: last, history: h.history } : {}),
  };
}

async function capture(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

/**
 * Saves a trained model as a Servable model folder (see `TfjsTrainer.save` for the layout).
 * @param model - the trained model
 * @param target - a folder (Node) or a tfjs URL scheme
 * @param options - manifest fields and whether to export ONNX
 * @param facts - training facts for the manifest's metadata
 */
export async function saveModelFolder(model: tf.LayersModel, target: string, options: SaveOptions, facts: TrainingFacts): Promise<ModelManifest> {
  if (typeof target !== 'string' || target.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `save target: expected a folder path or a tfjs URL such as indexeddb://name, got ${JSON.stringify(target)}`);
  }
  const signature = signatureOf(model);
  const extra = options.manifest ?? {};
  const base = {
    schemaVersion: 1 as const,
    name: extra.name ?? 'model',
    version: extra.version ?? '1',
    ...extra,
    signature,
    metadata: { ...(extra.metadata ?? {}), training: trainingMetadata(facts) },
  };
  if (TFJS_SCHEMES.test(target)) {
    if (options.onnx) throw new ServableError('UNSUPPORTED_CAPABILITY', `save "${target}": expected a folder path for an ONNX copy, got a tfjs URL — save the ONNX copy from Node, or drop onnx: true`);
    const manifest = validateManifest({ ...base, format: 'tfjs-layers', file: MODEL_JSON_FILE, files: [WEIGHTS_FILE] });
    const previous = model.getUserDefinedMetadata();
    model.setUserDefinedMetadata({ ...(previous ?? {}), [MANIFEST_METADATA_KEY]: manifest as unknown as Record<string, unknown> });
    try {
      await model.save(target);
    } finally {
      // tfjs's setter refuses `undefined`; the field is where it keeps the value.
      (model as unknown as { userDefinedMetadata: {} | undefined }).userDefinedMetadata = previous;
    }
    return manifest;
  }
  if (target.startsWith('file://')) target = decodeURIComponent(new URL(target).pathname);
  const { fs, path } = await nodeBuiltins(`save "${target}": expected Node.js to write a folder, got a browser — use indexeddb://${target} or downloads://${target}`);
  const { modelJson, weights } = serializeArtifacts(await capture(model));
  const manifest = validateManifest({ ...base, format: 'tfjs-layers', file: MODEL_JSON_FILE, files: [WEIGHTS_FILE], sha256: await sha256Hex(modelJson) });
  let onnxBytes: Uint8Array | undefined;
  if (options.onnx) onnxBytes = exportOnnx(model, { inputName: signature.inputs[0]?.name, outputName: signature.outputs[0]?.name });
  await fs.mkdir(target, { recursive: true });
  await fs.writeFile(path.join(target, WEIGHTS_FILE), weights);
  await fs.writeFile(path.join(target, MODEL_JSON_FILE), modelJson);
  await fs.writeFile(path.join(target, MANIFEST_FILE), stringifyManifest(manifest));
  if (onnxBytes) {
    const folder = path.join(target, ONNX_FOLDER);
    await fs.mkdir(folder, { recursive: true });
    const onnxManifest = validateManifest({ ...base, format: 'onnx', file: ONNX_FILE, sha256: await sha256Hex(onnxBytes), metadata: { ...base.metadata, exportedFrom: `../${MODEL_JSON_FILE}` } });
    await fs.writeFile(path.join(folder, ONNX_FILE), onnxBytes);
    await fs.writeFile(path.join(folder, MANIFEST_FILE), stringifyManifest(onnxManifest));
  }
  return manifest;
}
