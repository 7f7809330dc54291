import { ServableError, describeMismatch } from '../errors/servable-error.js';
import { resizeBilinear, type ImageInput } from '../pipeline/image.js';
import type { Tensor } from '../tensor/tensor.js';
import { attributionGrid, magnitudePercentile } from './attribution-grid.js';
import { COLORMAPS, colormapColor, isDivergingColormap, type Colormap } from './colormap.js';

/** RGBA pixels, 8 bits per channel; a browser `ImageData` has this form. */
export interface RgbaImage {
  /** RGBA bytes, 4 per pixel, row by row. */
  readonly data: Uint8ClampedArray;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Always 4 (R, G, B, A). */
  readonly channels: 4;
}

/** Options of {@link renderAttributionHeatmap} and the functions built on it. */
export interface HeatmapOptions {
  /** Output width in pixels (default: the attribution grid magnified to about 256 pixels, or the base image's width when that is larger). */
  readonly width?: number;
  /** Output height in pixels (default: as `width`). */
  readonly height?: number;
  /** The picture under the heatmap (the explained image, as the user has it); omitted: no base. */
  readonly base?: ImageInput;
  /** Colour map (default `diverging`: red for positive, blue for negative). Sequential maps show magnitudes. */
  readonly colormap?: Colormap;
  /** Opacity of the heatmap over the base at full strength, 0–1 (default 0.6; 1 without a base). */
  readonly opacity?: number;
  /** Percentile of |attribution| that maps to full colour (default 99), so a few outliers do not wash out the rest. */
  readonly clipPercentile?: number;
  /** How to read rank-3 attributions when the shape is ambiguous. */
  readonly layout?: 'NCHW' | 'NHWC';
}

function positiveInt(v: number | undefined, name: string): number | undefined {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 16384)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch(`heatmap option "${name}"`, 'an integer from 1 to 16384 (pixels)', String(v)));
  }
  return v;
}

/** The base image as RGB floats 0–255 at the output size. */
function baseRgb(base: ImageInput, width: number, height: number): Float32Array {
  const pixels = base.width * base.height;
  const channels = base.channels ?? base.data.length / pixels;
  if (!Number.isInteger(pixels) || pixels <= 0 || ![1, 3, 4].includes(channels) || base.data.length !== pixels * channels) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('heatmap option "base"', `${base.width}×${base.height} pixels × 1, 3 or 4 channels`, `${base.data.length} values`, 'pass the image as {data, width, height, channels}'));
  }
  let max = 0;
  if (base.data instanceof Float32Array) for (const v of base.data) max = Math.max(max, v);
  const scale = base.data instanceof Float32Array && max <= 1 ? 255 : 1;
  const rgb = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = base.data[p * channels + (channels >= 3 ? c : 0)]! * scale;
  }
  return resizeBilinear(rgb, base.width, base.height, 3, width, height);
}

/**
 * Renders image attributions as an RGBA heatmap, over a base image when one is given: each
 * pixel's colour comes from the colour map and its strength from |attribution| relative to the
 * `clipPercentile`-th percentile; over a base, strength also sets the opacity, so pixels without
 * attribution show the base unchanged. The grid is magnified with nearest-neighbour sampling so
 * each input pixel stays a crisp block.
 * @param attributions - image attributions (`explain().attributions` of an image input)
 * @param options - size, base image, colour map
 * @throws ServableError `INVALID_ARGUMENT` for tabular attributions or bad options
 */
export function renderAttributionHeatmap(attributions: Tensor, options: HeatmapOptions = {}): RgbaImage {
  const grid = attributionGrid(attributions, options.layout);
  const colormap = options.colormap ?? 'diverging';
  if (!COLORMAPS.includes(colormap)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('heatmap option "colormap"', COLORMAPS.map((c) => `'${c}'`).join(', '), JSON.stringify(colormap)));
  }
  const clip = options.clipPercentile ?? 99;
  if (!(clip > 0 && clip <= 100)) throw new ServableError('INVALID_ARGUMENT', describeMismatch('heatmap option "clipPercentile"', 'a number in (0, 100]', String(clip)));
  const base = options.base;
  const opacity = options.opacity ?? (base ? 0.6 : 1);
  if (!(opacity >= 0 && opacity <= 1)) throw new ServableError('INVALID_ARGUMENT', describeMismatch('heatmap option "opacity"', 'a number from 0 to 1', String(opacity)));
  const zoom = Math.max(1, Math.floor(256 / Math.max(grid.width, grid.height)));
  let width = positiveInt(options.width, 'width');
  let height = positiveInt(options.height, 'height');
  const bigBase = base !== undefined && Math.max(base.width, base.height) >= 256;
  width ??= height !== undefined ? Math.round((height * grid.width) / grid.height) : bigBase ? base.width : grid.width * zoom;
  height ??= Math.max(1, Math.round((width * grid.height) / grid.width));

  const scale = magnitudePercentile(grid.values, clip) || 1;
  const diverging = isDivergingColormap(colormap);
  const under = base ? baseRgb(base, width, height) : undefined;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(grid.height - 1, Math.floor((y * grid.height) / height));
    for (let x = 0; x < width; x++) {
      const gx = Math.min(grid.width - 1, Math.floor((x * grid.width) / width));
      const v = grid.values[gy * grid.width + gx]!;
      const t = Math.max(-1, Math.min(1, v / scale));
      const strength = Math.abs(t);
      const color = colormapColor(colormap, diverging ? t : strength);
      const o = (y * width + x) * 4;
      if (under) {
        const a = opacity * strength;
        const p = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) data[o + c] = under[p + c]! * (1 - a) + color[c]! * a;
      } else {
        for (let c = 0; c < 3; c++) data[o + c] = color[c]!;
      }
      data[o + 3] = 255;
    }
  }
  return { data, width, height, channels: 4 };
}
