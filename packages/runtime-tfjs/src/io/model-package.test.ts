import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ServableError, loadModel } from '@servable/core';
import { tfjs } from '../runtime/tfjs-runtime.js';
import { createTrainer } from '../training/create-trainer.js';
import { readTfjsModelPackage } from './model-package.js';

// A stand-in for indexeddb:// (which needs a browser): a tfjs IO router for a memory scheme,
// so save and load go through tfjs's own handler registry exactly as IndexedDB does.
const store = new Map<string, tf.io.ModelArtifacts>();
const memory = (url: string): tf.io.IOHandler => ({
  save: async (artifacts) => {
    store.set(url, artifacts);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  },
  load: async () => {
    const a = store.get(url);
    if (!a) throw new Error(`nothing stored at ${url}`);
    return a;
  },
});
const router = (url: string | string[]) => (typeof url === 'string' && url.startsWith('memtest://') ? memory(url) : null) as tf.io.IOHandler;
tf.io.registerSaveRouter(router);
tf.io.registerLoadRouter(router);

describe('tfjs URL schemes (IndexedDB-style storage)', () => {
  it('saves through a tfjs scheme with the manifest and loads it back as a ModelPackage', async () => {
    const trainer = await createTrainer({ inputShape: [3], layers: [{ type: 'dense', units: 2, activation: 'softmax' }] }, { seed: 1 });
    await trainer.fit({ x: [[1, 0, 0], [0, 1, 0]], y: [0, 1] }, { epochs: 2, batchSize: 2 });
    const saved = await trainer.save('memtest://tiny', { manifest: { name: 'tiny', labels: ['no', 'yes'] } });
    expect(saved).toMatchObject({ name: 'tiny', format: 'tfjs-layers', labels: ['no', 'yes'] });
    expect(trainer.model.getUserDefinedMetadata()).toBeUndefined();
    const pkg = await readTfjsModelPackage('memtest://tiny');
    expect(pkg.manifest).toMatchObject({ name: 'tiny', labels: ['no', 'yes'], file: 'model.json', files: ['weights.bin'] });
    expect(pkg.manifest.sha256).toBeUndefined();
    await using model = await loadModel(pkg, { runtimes: [tfjs()] });
    const x = { dtype: 'float32' as const, shape: [1, 3], data: new Float32Array([1, 0, 0]) };
    const out = await model.run({ input: x });
    const expected = tf.tidy(() => (trainer.model.predict(tf.tensor2d([[1, 0, 0]])) as tf.Tensor).dataSync());
    expect(Array.from(out.output!.data as Float32Array)).toEqual(Array.from(expected));
    trainer.dispose();
  });

  it('refuses a URL no tfjs handler takes', async () => {
    const e = await readTfjsModelPackage('nosuchscheme://x').catch((err: unknown) => err);
    expect(ServableError.isInstance(e) && e.code).toBe('INVALID_ARGUMENT');
  });

  it('reports a stored model that is missing', async () => {
    const e = await readTfjsModelPackage('memtest://missing').catch((err: unknown) => err);
    expect(ServableError.isInstance(e) && e.code).toBe('MODEL_NOT_FOUND');
  });
});
