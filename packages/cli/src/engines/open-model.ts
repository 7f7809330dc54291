import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel, MANIFEST_FILE, parseManifest, ServableError, type Model, type ModelDecryptor, type ModelFormat } from '@servable/core';
import { createRuntimes, defaultRuntimeChoices, type RuntimeChoice } from './runtime-chain.js';

/**
 * The format of a model path without loading it: a folder's `servable.json`, `model.onnx` or
 * `model.json`, or a file's extension.
 * @param path - the resolved path
 * @param shown - the path as the user gave it, for messages
 * @throws ServableError `MODEL_NOT_FOUND` when the path does not exist
 */
export function detectModelFormat(path: string, shown = path): ModelFormat {
  if (!existsSync(path)) {
    throw new ServableError('MODEL_NOT_FOUND', `model path "${shown}": expected a model folder or a .onnx / model.json file, got a path that does not exist — check the path`);
  }
  if (statSync(path).isDirectory()) {
    const manifest = join(path, MANIFEST_FILE);
    if (existsSync(manifest)) return parseManifest(readFileSync(manifest, 'utf8')).format;
    if (existsSync(join(path, 'model.onnx'))) return 'onnx';
    if (existsSync(join(path, 'model.json'))) return detectJsonFormat(readFileSync(join(path, 'model.json'), 'utf8'));
    throw new ServableError('MODEL_NOT_FOUND', `model folder "${shown}": expected servable.json, model.onnx or model.json inside, got none of them`);
  }
  if (path.endsWith('.json')) return detectJsonFormat(readFileSync(path, 'utf8'));
  return 'onnx';
}

function detectJsonFormat(text: string): ModelFormat {
  try {
    const json = JSON.parse(text) as { format?: string; modelTopology?: { node?: unknown } };
    return json.format === 'graph-model' || json.modelTopology?.node ? 'tfjs-graph' : 'tfjs-layers';
  } catch {
    throw new ServableError('MODEL_LOAD_FAILED', 'model.json: expected a TensorFlow.js model.json, got text that is not JSON');
  }
}

/** The main file of a model path (the `.onnx` of a folder), for readers that parse it themselves. */
export function mainModelFile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const manifest = join(path, MANIFEST_FILE);
  if (existsSync(manifest)) return join(path, parseManifest(readFileSync(manifest, 'utf8')).file);
  if (existsSync(join(path, 'model.onnx'))) return join(path, 'model.onnx');
  return join(path, 'model.json');
}

/** Loads a model with the runtimes named (or the default chain for its format), decrypting it when given a decryptor. */
export async function openModel(path: string, choices: readonly RuntimeChoice[] | undefined, cwd: string, decrypt?: ModelDecryptor): Promise<Model> {
  const full = resolve(cwd, path);
  const format = detectModelFormat(full, path);
  const runtimes = await createRuntimes(choices ?? defaultRuntimeChoices(format));
  return loadModel(full, { runtimes, ...(decrypt ? { decrypt } : {}) });
}
