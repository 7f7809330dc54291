import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, preprocessImage, ServableError, type ImagePreprocessing, type TensorSpec } from '@servable/core';
import { splitHeldOut, type Examples } from './dataset-split.js';

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** Image folders read for training: pixels preprocessed for the model, labels, the class names and the steps used. */
export interface ImageFolderDataset extends Examples {
  readonly test?: Examples;
  readonly labels: readonly string[];
  /** The steps that made the training inputs, to save in the manifest so serving applies them too. */
  readonly image: ImagePreprocessing;
  readonly description: string;
}

/** The class folders of `dir` (subfolders holding PNG or JPEG files), sorted by name. */
export function classFolders(dir: string): { name: string; files: string[] }[] {
  const out: { name: string; files: string[] }[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory()) continue;
    const files = readdirSync(sub)
      .filter((f) => IMAGE_FILE.test(f))
      .sort()
      .map((f) => join(sub, f));
    out.push({ name, files });
  }
  return out;
}

/**
 * Reads one class per subfolder of `dir` (the folder's name is the class name), decodes every
 * PNG and JPEG in it, and turns each image into the model's input: resized to the input's
 * height and width, gray for `[h, w]` or `[h, w, 1]`, RGB for `[h, w, 3]`, scaled to [0, 1].
 * @param dir - the folder
 * @param shown - the folder as the user named it
 * @param inputShape - `[h, w]`, `[h, w, 1]` or `[h, w, 3]`
 * @param options - `seed` shuffles, a tenth is held out, `limit` caps the training images
 * @throws ServableError `INVALID_INPUT` naming the folder or file that is wrong
 */
export async function loadImageFolders(dir: string, shown: string, inputShape: readonly number[], options: { seed: number; limit?: number }): Promise<ImageFolderDataset> {
  const [height, width, channels = 1] = inputShape;
  if ((inputShape.length !== 2 && inputShape.length !== 3) || (channels !== 1 && channels !== 3)) {
    throw new ServableError('INVALID_ARGUMENT', `model spec inputShape [${inputShape.join(', ')}]: expected [height, width], [height, width, 1] or [height, width, 3] for the images of folder "${shown}"`);
  }
  const classes = classFolders(dir);
  if (classes.length < 2) {
    throw new ServableError('INVALID_INPUT', `image folder "${shown}": expected one subfolder per class (at least two) holding PNG or JPEG files, got ${classes.length === 0 ? 'no subfolder' : `only "${classes[0]!.name}"`}`);
  }
  const empty = classes.find((c) => c.files.length === 0);
  if (empty) throw new ServableError('INVALID_INPUT', `image folder "${shown}" class "${empty.name}": expected PNG or JPEG files, got none`);
  const image: ImagePreprocessing = { ...(channels === 1 ? { grayscale: true } : {}), resize: { width: width!, height: height! }, scale: 1 / 255, layout: inputShape.length === 2 ? 'NHW' : 'NHWC' };
  const spec: TensorSpec = { name: 'image', dtype: 'float32', shape: ['batch', ...inputShape] };
  const perExample = inputShape.reduce((a, b) => a * b, 1);
  const total = classes.reduce((n, c) => n + c.files.length, 0);
  const values = new Float32Array(total * perExample);
  const labels: number[] = [];
  let k = 0;
  for (const [index, c] of classes.entries()) {
    for (const file of c.files) {
      let decoded;
      try {
        decoded = await decodeImage(file);
      } catch (cause) {
        const message = ServableError.isInstance(cause) ? cause.message : String(cause);
        throw new ServableError('INVALID_INPUT', `image folder "${shown}": ${message}`, { cause });
      }
      values.set(preprocessImage(decoded, spec, image).values, k * perExample);
      labels.push(index);
      k++;
    }
  }
  const { train, test, trainCount, testCount } = splitHeldOut(values, labels, perExample, inputShape, options);
  return {
    ...train,
    ...(test ? { test } : {}),
    labels: classes.map((c) => c.name),
    image,
    description: `${trainCount} images of ${classes.length} classes from ${shown} (${classes.map((c) => `${c.name} ${c.files.length}`).join(', ')}${testCount ? `; ${testCount} held out` : ''})`,
  };
}
