import type * as tf from '@tensorflow/tfjs';
import { ServableError } from '@servable/core';
import { nodeBuiltins } from '../platform/node-builtins.js';
import { MODEL_JSON_FILE, WEIGHTS_FILE, artifactsFromJson, parseModelJson, serializeArtifacts } from './artifacts.js';

/**
 * A tfjs `IOHandler` that saves to and loads from a folder on the Node file system
 * (`model.json` + `weights.bin`), without tfjs-node. `node:fs` is imported only when the
 * handler runs, and the browser build of this package has none: there it fails with
 * `UNSUPPORTED_CAPABILITY`.
 *
 * @example
 * ```ts
 * await model.save(fileSystem('models/mnist/1'));
 * const again = await tf.loadLayersModel(fileSystem('models/mnist/1'));
 * ```
 * @param folder - the model folder; created on save
 */
export function fileSystem(folder: string): tf.io.IOHandler {
  if (typeof folder !== 'string' || folder.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `fileSystem folder: expected a non-empty path, got ${JSON.stringify(folder)}`);
  }
  const modules = () => nodeBuiltins(`fileSystem("${folder}"): expected Node.js, got an environment without a file system — use an http(s):// or indexeddb:// URL in browsers`);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ServableError('UNSUPPORTED_CAPABILITY', `fileSystem("${folder}"): expected a JSON model topology, got a binary one — save a LayersModel or a JSON GraphModel`);
      }
      const { fs, path } = await modules();
      const { modelJson, weights } = serializeArtifacts(artifacts);
      await fs.mkdir(folder, { recursive: true });
      await fs.writeFile(path.join(folder, WEIGHTS_FILE), weights);
      await fs.writeFile(path.join(folder, MODEL_JSON_FILE), modelJson);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: modelJson.byteLength,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const { fs, path } = await modules();
      const root = path.resolve(folder);
      const main = root.endsWith('.json') ? root : path.join(root, MODEL_JSON_FILE);
      const dir = path.dirname(main);
      let text: Uint8Array;
      try {
        text = await fs.readFile(main);
      } catch (cause) {
        throw new ServableError('MODEL_NOT_FOUND', `fileSystem("${folder}"): expected ${MODEL_JSON_FILE} there, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'}`, { cause });
      }
      return artifactsFromJson(parseModelJson(text, main), async (name) => {
        const target = path.resolve(dir, name);
        if (path.relative(dir, target).startsWith('..') || path.isAbsolute(name)) {
          throw new ServableError('MODEL_LOAD_FAILED', `model.json weight path "${name}": expected a file inside ${dir}, got one outside it`);
        }
        return fs.readFile(target);
      });
    },
  };
}
