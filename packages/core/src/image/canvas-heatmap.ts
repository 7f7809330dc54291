import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { Tensor } from '../tensor/tensor.js';
import { renderAttributionHeatmap, type HeatmapOptions } from './heatmap.js';

/** Pixels as a canvas returns them (`ImageData` fits). */
export interface CanvasPixels {
  /** RGBA bytes, 4 per pixel, row by row. */
  readonly data: Uint8ClampedArray;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/**
 * The part of `CanvasRenderingContext2D` (or `OffscreenCanvasRenderingContext2D`) the heatmap
 * needs, so core depends on no DOM object at run time.
 */
export interface HeatmapCanvasContext {
  /** Allocates a transparent pixel buffer of the given size in pixels. */
  createImageData(width: number, height: number): CanvasPixels;
  /** Paints pixels onto the canvas with their top-left corner at (`dx`, `dy`). */
  putImageData(image: CanvasPixels, dx: number, dy: number): void;
  /** When present, the heatmap is blended over what the canvas already shows. */
  getImageData?(sx: number, sy: number, sw: number, sh: number): CanvasPixels;
  /** The canvas drawn on; its size sets the default heatmap size. */
  readonly canvas?: {
    /** Canvas width in pixels. */
    readonly width: number;
    /** Canvas height in pixels. */
    readonly height: number;
  };
}

/** Options of {@link drawHeatmapOnCanvas}. */
export interface CanvasHeatmapOptions extends Omit<HeatmapOptions, 'base'> {
  /** Left edge on the canvas (default 0). */
  readonly x?: number;
  /** Top edge on the canvas (default 0). */
  readonly y?: number;
  /**
   * Blend over the canvas's current pixels (default true when the context has `getImageData`),
   * so an image drawn first shows through; false paints the heatmap alone.
   */
  readonly overlay?: boolean;
}

/**
 * Draws image attributions as a heatmap on a 2D canvas, by default over what the canvas
 * already shows (draw the explained image first). Size defaults to the whole canvas.
 * @param ctx - a 2D context (`canvas.getContext('2d')`)
 * @param attributions - image attributions (`explain().attributions` of an image input)
 * @param options - position, size, colour map, opacity
 * @example
 * ```ts
 * ctx.drawImage(img, 0, 0, 280, 280);
 * drawHeatmapOnCanvas(ctx, explanation.attributions, { colormap: 'diverging' });
 * ```
 */
export function drawHeatmapOnCanvas(ctx: HeatmapCanvasContext, attributions: Tensor, options: CanvasHeatmapOptions = {}): void {
  if (!ctx || typeof ctx.putImageData !== 'function' || typeof ctx.createImageData !== 'function') {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('drawHeatmapOnCanvas: ctx', 'a 2D canvas context with createImageData and putImageData', typeof ctx, "pass canvas.getContext('2d')"));
  }
  const x = options.x ?? 0;
  const y = options.y ?? 0;
  const width = options.width ?? (ctx.canvas ? ctx.canvas.width - x : undefined);
  const height = options.height ?? (ctx.canvas ? ctx.canvas.height - y : undefined);
  const overlay = (options.overlay ?? true) && typeof ctx.getImageData === 'function' && width !== undefined && height !== undefined;
  const under = overlay ? ctx.getImageData!(x, y, width!, height!) : undefined;
  const heatmap = renderAttributionHeatmap(attributions, {
    ...options,
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
    ...(under ? { base: { data: under.data, width: under.width, height: under.height, channels: 4 } } : {}),
  });
  const target = ctx.createImageData(heatmap.width, heatmap.height);
  target.data.set(heatmap.data);
  ctx.putImageData(target, x, y);
}
