import type { Tensor } from '../tensor/tensor.js';
import { appendHeatmapLegend, type HeatmapLegendOptions } from './heatmap-legend.js';
import { renderAttributionHeatmap, type HeatmapOptions } from './heatmap.js';
import { encodePng, type PngOptions } from './png-encoder.js';

/** Options of {@link attributionHeatmapPng}. */
export interface HeatmapPngOptions extends HeatmapOptions, PngOptions {
  /**
   * A legend strip under the heatmap: the colour bar and what its ends mean, with a title line
   * when given (`{ title: 'occlusion of "7"' }`). Default none: the PNG is the heatmap alone.
   */
  readonly legend?: boolean | HeatmapLegendOptions;
}

/**
 * Draws image attributions as a heatmap PNG, over the explained image when `base` is given.
 * Plain TypeScript: works in Node (write the bytes to a file) and in browsers (make a Blob).
 * @param attributions - image attributions (`explain().attributions` of an image input)
 * @param options - size, base image, colour map (see {@link HeatmapOptions}), a legend and PNG compression
 * @returns the PNG file's bytes
 * @example
 * ```ts
 * const e = await explain(predictor, digit, { method: 'integrated-gradients' });
 * await writeFile('digit.explain.png', await attributionHeatmapPng(e.attributions, { base: digit, legend: { title: `${e.method} of "${e.output.label}"` } }));
 * ```
 */
export function attributionHeatmapPng(attributions: Tensor, options: HeatmapPngOptions = {}): Promise<Uint8Array> {
  const heatmap = renderAttributionHeatmap(attributions, options);
  const legend = options.legend;
  const image = legend ? appendHeatmapLegend(heatmap, options.colormap ?? 'diverging', legend === true ? {} : legend) : heatmap;
  return encodePng(image, options);
}
