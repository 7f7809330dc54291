import { ServableError, describeMismatch } from '../errors/servable-error.js';
import { exampleLayout } from '../explain/example-layout.js';
import { formatShape, isTensor, type Tensor } from '../tensor/tensor.js';

/** One value per pixel: attributions summed over channels. */
export interface AttributionGrid {
  readonly width: number;
  readonly height: number;
  readonly values: Float64Array;
}

/**
 * Reduces image attributions to one value per pixel, summing the channels. The shape is that of
 * one example: `[H, W]`, `[C, H, W]` or `[H, W, C]` (rank 3 read as `[C, H, W]` when the first
 * axis has at most 4 entries and the last more, or as `layout` says), and a leading batch axis
 * of 1 is dropped.
 * @throws ServableError `INVALID_ARGUMENT` for a shape that is not an image (use a bar chart for tabular attributions)
 */
export function attributionGrid(attributions: Tensor, layout?: 'NCHW' | 'NHWC'): AttributionGrid {
  if (!isTensor(attributions) || attributions.dtype === 'string') {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('attributions', 'a numeric tensor such as explain().attributions', typeof attributions));
  }
  let shape = attributions.shape;
  if (shape.length === 4 && shape[0] === 1) shape = shape.slice(1);
  const l = exampleLayout(shape, layout ? { layout } : undefined);
  if (l.kind !== 'image') {
    throw new ServableError(
      'INVALID_ARGUMENT',
      describeMismatch('attributions', 'an image shape [H, W], [C, H, W] or [H, W, C]', formatShape(attributions.shape), 'draw tabular attributions with attributionBarChartSvg'),
    );
  }
  const data = attributions.data as ArrayLike<number | bigint>;
  const values = new Float64Array(l.height * l.width);
  for (let y = 0; y < l.height; y++) {
    for (let x = 0; x < l.width; x++) {
      let s = 0;
      for (let c = 0; c < l.channels; c++) s += Number(data[l.offset(y, x, c)]);
      values[y * l.width + x] = s;
    }
  }
  return { width: l.width, height: l.height, values };
}

/** The `p`-th percentile (0–100) of |values|, for a scale that a few outliers do not dominate. */
export function magnitudePercentile(values: ArrayLike<number>, p: number): number {
  const abs = Float64Array.from(values, Math.abs).sort();
  if (abs.length === 0) return 0;
  const rank = Math.min(abs.length - 1, Math.max(0, Math.ceil((p / 100) * abs.length) - 1));
  return abs[rank]!;
}
