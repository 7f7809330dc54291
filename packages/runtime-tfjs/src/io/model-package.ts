import * as tf from '@tensorflow/tfjs';
import { ServableError, validateManifest, type ModelManifest, type ModelPackage } from '@servable/core';
import { MODEL_JSON_FILE, WEIGHTS_FILE, serializeArtifacts } from './artifacts.js';

/** The key under which `TfjsTrainer.save` stores the manifest in a tfjs model's user metadata. */
export const MANIFEST_METADATA_KEY = 'servable';

/**
 * Reads a tfjs model from any location tfjs's own IO handlers know — `indexeddb://name` and
 * `localstorage://name` in browsers, `http(s)://…/model.json` — and returns it as a core
 * {@link ModelPackage} that `loadModel` accepts:
 *
 * ```ts
 * const model = await loadModel(await readTfjsModelPackage('indexeddb://mnist'), { runtimes: [tfjs({ backend: 'webgl' }), tfjs()] });
 * ```
 *
 * The manifest is the one `TfjsTrainer.save` stored with the model (in its user metadata),
 * else a minimal one named after the URL.
 * @param url - a URL with a scheme tfjs handles
 * @throws ServableError `INVALID_ARGUMENT` when no tfjs handler takes the URL, `MODEL_NOT_FOUND` when loading fails
 */
export async function readTfjsModelPackage(url: string): Promise<ModelPackage> {
  const handlers = tf.io.getLoadHandlers(url);
  const handler = handlers[0];
  if (!handler?.load) {
    throw new ServableError('INVALID_ARGUMENT', `readTfjsModelPackage("${url}"): expected a URL a tfjs IO handler loads (indexeddb://, localstorage://, http(s)://), got one no handler takes — in Node pass the folder path to loadModel instead`);
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (cause) {
    throw new ServableError('MODEL_NOT_FOUND', `readTfjsModelPackage("${url}"): expected a stored tfjs model, got an error (${(cause as Error).message})`, { cause });
  }
  const { modelJson, weights } = serializeArtifacts(artifacts);
  const stored = (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[MANIFEST_METADATA_KEY] as Partial<ModelManifest> | undefined;
  const graph = artifacts.format === 'graph-model' || Boolean((artifacts.modelTopology as { node?: unknown } | undefined)?.node);
  const name = url.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100) || 'model';
  const { sha256: _stale, ...rest } = stored ?? {};
  void _stale;
  const manifest = validateManifest({
    schemaVersion: 1,
    name,
    version: '1',
    ...rest,
    format: graph ? 'tfjs-graph' : 'tfjs-layers',
    file: MODEL_JSON_FILE,
    files: [WEIGHTS_FILE],
  });
  return { manifest, files: { [MODEL_JSON_FILE]: modelJson, [WEIGHTS_FILE]: weights } };
}
