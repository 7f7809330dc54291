import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import { colormapColor, isDivergingColormap, type Colormap } from './colormap.js';
import type { RgbaImage } from './heatmap.js';

/** What the legend under a heatmap says. */
export interface HeatmapLegendOptions {
  /** A line above the colour bar, such as `occlusion of "7"` (cut to the width when longer). */
  readonly title?: string;
}

const BACKGROUND = [255, 255, 255] as const;
const INK = [29, 35, 48] as const;

function fit(text: string, width: number, scale: number): string {
  if (textWidth(text, scale) <= width) return text;
  let cut = [...text];
  while (cut.length > 1 && textWidth(`${cut.join('')}..`, scale) > width) cut = cut.slice(0, -1);
  return `${cut.join('')}..`;
}

/**
 * Adds a legend strip under a heatmap: an optional title, a bar of the colour map at full
 * strength, and what its ends mean (a diverging map: "- lowers", "0", "raises +", the effect of
 * a pixel on the explained score; a sequential map: "0" to "max"). Text uses the built-in
 * 5 × 7 pixel font, scaled with the image width.
 * @param image - the heatmap
 * @param colormap - the colour map it was drawn with
 * @param options - the title
 * @returns a taller image: the heatmap, then the legend
 */
export function appendHeatmapLegend(image: RgbaImage, colormap: Colormap, options: HeatmapLegendOptions = {}): RgbaImage {
  const { width } = image;
  const scale = Math.max(1, Math.floor(width / 200));
  const pad = 4 * scale;
  const line = GLYPH_HEIGHT * scale;
  const barHeight = 8 * scale;
  const title = options.title ? fit(options.title, width - 2 * pad, scale) : undefined;
  const strip = pad + (title ? line + pad : 0) + barHeight + pad + line + pad;
  const height = image.height + strip;
  const data = new Uint8ClampedArray(width * height * 4);
  data.set(image.data);
  for (let o = image.data.length; o < data.length; o += 4) {
    data[o] = BACKGROUND[0];
    data[o + 1] = BACKGROUND[1];
    data[o + 2] = BACKGROUND[2];
    data[o + 3] = 255;
  }
  const out: RgbaImage = { data, width, height, channels: 4 };
  let y = image.height + pad;
  if (title) {
    drawText(out, title, pad, y, scale, INK);
    y += line + pad;
  }
  const diverging = isDivergingColormap(colormap);
  const barWidth = Math.max(1, width - 2 * pad);
  for (let x = 0; x < barWidth; x++) {
    const u = barWidth === 1 ? 0.5 : x / (barWidth - 1);
    const color = colormapColor(colormap, diverging ? u * 2 - 1 : u);
    for (let by = 0; by < barHeight; by++) {
      const o = ((y + by) * width + pad + x) * 4;
      data[o] = color[0];
      data[o + 1] = color[1];
      data[o + 2] = color[2];
    }
  }
  y += barHeight + pad;
  const [left, middle, right] = diverging ? ['- lowers', '0', 'raises +'] : ['0', '', 'max'];
  const room = barWidth;
  const wide = textWidth(left, scale) + textWidth(middle, scale) + textWidth(right, scale) + 4 * (GLYPH_HEIGHT * scale) <= room;
  const [l, m, r] = wide ? [left, middle, right] : diverging ? ['-', '0', '+'] : ['0', '', 'max'];
  drawText(out, l, pad, y, scale, INK);
  if (m) drawText(out, m, pad + Math.round((barWidth - textWidth(m, scale)) / 2), y, scale, INK);
  drawText(out, r, pad + barWidth - textWidth(r, scale), y, scale, INK);
  return out;
}
