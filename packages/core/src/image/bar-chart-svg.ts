import { ServableError, describeMismatch } from '../errors/servable-error.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';

/** Options of {@link attributionBarChartSvg}. */
export interface BarChartOptions {
  /** A name per feature (default `feature 0`, `feature 1`, …). */
  readonly featureNames?: readonly string[];
  /** Features shown, largest |attribution| first (default 10). */
  readonly top?: number;
  /** Width of the picture in pixels (default 560). */
  readonly width?: number;
  /** Height of one bar's row in pixels (default 24). */
  readonly rowHeight?: number;
  /** A title above the bars. */
  readonly title?: string;
  /** Formats a value for its label (default 3 significant digits). */
  readonly format?: (value: number) => string;
}

const POSITIVE = '#b2182b';
const NEGATIVE = '#2166ac';

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function numbers(attributions: Tensor | ArrayLike<number>): number[] {
  if (isTensor(attributions)) {
    if (attributions.dtype === 'string') throw new ServableError('INVALID_ARGUMENT', describeMismatch('attributions', 'numbers', 'a string tensor'));
    return Array.from(attributions.data as ArrayLike<number | bigint>, Number);
  }
  if (attributions === null || typeof attributions !== 'object' || typeof attributions.length !== 'number') {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('attributions', 'a tensor or an array of numbers such as explain().attributions', typeof attributions));
  }
  return Array.from(attributions, Number);
}

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * Draws the features with the largest attributions as a horizontal bar chart in SVG text:
 * one row per feature, largest |attribution| first, bars to the right of zero in red for
 * positive values and to the left in blue for negative ones, each labelled with its name and value.
 * @param attributions - one value per feature (`explain().attributions` of a tabular input; any shape is read flat)
 * @param options - names, how many, size, title
 * @returns an `<svg>` document
 * @throws ServableError `INVALID_ARGUMENT` for non-numeric input or names that do not match the features
 */
export function attributionBarChartSvg(attributions: Tensor | ArrayLike<number>, options: BarChartOptions = {}): string {
  const values = numbers(attributions);
  const names = options.featureNames;
  if (names && names.length !== values.length) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('bar chart option "featureNames"', `${values.length} names, one per feature`, `${names.length}`, 'give a name for every feature'));
  }
  const top = options.top ?? 10;
  if (!Number.isInteger(top) || top < 1) throw new ServableError('INVALID_ARGUMENT', describeMismatch('bar chart option "top"', 'a positive integer', String(top)));
  const width = options.width ?? 560;
  const rowHeight = options.rowHeight ?? 24;
  if (!(width >= 200) || !(rowHeight >= 8)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('bar chart options "width"/"rowHeight"', 'at least 200 and 8 pixels', `${width}/${rowHeight}`));
  }
  const format = options.format ?? ((v: number) => (v === 0 ? '0' : Number(v.toPrecision(3)).toString()));
  const rows = values
    .map((value, index) => ({ value, index, name: names?.[index] ?? `feature ${index}` }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index)
    .slice(0, top);

  const font = 12;
  const labelWidth = Math.min(width * 0.4, 16 + Math.max(...rows.map((r) => r.name.length), 4) * font * 0.6);
  const valueRoom = 8 + Math.max(...rows.map((r) => format(r.value).length), 1) * font * 0.6;
  const titleHeight = options.title ? 28 : 8;
  const height = titleHeight + rows.length * rowHeight + 8;
  const hasNegative = rows.some((r) => r.value < 0);
  const hasPositive = rows.some((r) => r.value > 0);
  const plotLeft = labelWidth + (hasNegative ? valueRoom : 0);
  const plotRight = width - 8 - (hasPositive || !hasNegative ? valueRoom : 0);
  const max = Math.max(...rows.map((r) => Math.abs(r.value)), Number.MIN_VALUE);
  const span = plotRight - plotLeft;
  const zero = hasNegative && hasPositive ? plotLeft + span / 2 : hasNegative ? plotRight : plotLeft;
  const unit = (hasNegative && hasPositive ? span / 2 : span) / max;

  const parts: string[] = [];
  const label = options.title ?? 'Feature attributions';
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${round(height)}" viewBox="0 0 ${width} ${round(height)}" role="img" aria-label="${escapeXml(label)}" font-family="sans-serif" font-size="${font}">`,
  );
  parts.push(`<title>${escapeXml(label)}</title>`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (options.title) parts.push(`<text x="8" y="18" font-size="${font + 2}" font-weight="bold" fill="#222">${escapeXml(options.title)}</text>`);
  rows.forEach((r, k) => {
    const top = titleHeight + k * rowHeight;
    const mid = round(top + rowHeight / 2 + font * 0.35);
    const length = Math.abs(r.value) * unit;
    const x = r.value < 0 ? zero - length : zero;
    const text = escapeXml(format(r.value));
    parts.push(`<g data-feature="${r.index}">`);
    parts.push(`<text x="${round(labelWidth - 8)}" y="${mid}" text-anchor="end" fill="#222">${escapeXml(r.name)}</text>`);
    parts.push(`<rect x="${round(x)}" y="${round(top + 3)}" width="${round(length)}" height="${round(rowHeight - 6)}" fill="${r.value < 0 ? NEGATIVE : POSITIVE}"><title>${escapeXml(r.name)}: ${text}</title></rect>`);
    parts.push(
      r.value < 0
        ? `<text x="${round(x - 4)}" y="${mid}" text-anchor="end" fill="#444">${text}</text>`
        : `<text x="${round(x + length + 4)}" y="${mid}" fill="#444">${text}</text>`,
    );
    parts.push('</g>');
  });
  parts.push(`<line x1="${round(zero)}" y1="${titleHeight}" x2="${round(zero)}" y2="${round(height - 8)}" stroke="#888" stroke-width="1"/>`);
  parts.push('</svg>');
  return parts.join('\n');
}
