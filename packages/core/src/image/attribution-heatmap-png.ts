import type { Tensor } from '../tensor/tensor.js';
import { renderAttributionHeatmap, type HeatmapOptions } from './heatmap.js';
import { encodePng, type PngOptions } from './png-encoder.js';

/**
 * Draws image attributions as a heatmap PNG, over the explained image when `base` is given.
 * Plain TypeScript: works in Node (write the bytes to a file) and in browsers (make a Blob).
 * @param attributions - image attributions (`explain().attributions` of an image input)
 * @param options - size, base image, colour map (see {@link HeatmapOptions}) and PNG compression
 * @returns the PNG file's bytes
 * @example
 * ```ts
 * const e = await explain(predictor, digit, { method: 'integrated-gradients' });
 * await writeFile('digit.explain.png', await attributionHeatmapPng(e.attributions, { base: digit }));
 * ```
 */
export function attributionHeatmapPng(attributions: Tensor, options: HeatmapOptions & PngOptions = {}): Promise<Uint8Array> {
  return encodePng(renderAttributionHeatmap(attributions, options), options);
}
