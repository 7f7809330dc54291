/** One line of a chart. */
export interface CurveSeries {
  readonly name: string;
  readonly values: readonly number[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function niceNumber(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

function panel(title: string, series: readonly CurveSeries[], x0: number, width: number, height: number): string {
  const pad = { left: 52, right: 12, top: 28, bottom: 36 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const epochs = Math.max(1, ...series.map((s) => s.values.length));
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const px = (i: number) => x0 + pad.left + (epochs === 1 ? w / 2 : (i / (epochs - 1)) * w);
  const py = (v: number) => pad.top + (1 - (v - lo) / (hi - lo)) * h;
  const parts: string[] = [];
  parts.push(`<text x="${x0 + pad.left}" y="18" font-size="13" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<rect x="${x0 + pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="none" stroke="#9ca3af"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    const y = py(v);
    parts.push(`<line x1="${x0 + pad.left}" x2="${x0 + pad.left + w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x0 + pad.left - 6}" y="${(y + 4).toFixed(1)}" font-size="10" text-anchor="end">${niceNumber(v)}</text>`);
  }
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let i = 0; i < epochs; i += step) {
    parts.push(`<text x="${px(i).toFixed(1)}" y="${pad.top + h + 14}" font-size="10" text-anchor="middle">${i + 1}</text>`);
  }
  parts.push(`<text x="${x0 + pad.left + w / 2}" y="${height - 6}" font-size="11" text-anchor="middle">epoch</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${px(i).toFixed(1)},${py(v).toFixed(1)}` : '')).filter(Boolean);
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const p of points) {
      const [cx, cy] = p.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
    }
    const lx = x0 + pad.left + w - (series.length - k) * 100;
    parts.push(`<line x1="${lx}" x2="${lx + 16}" y1="14" y2="14" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 20}" y="18" font-size="10">${escapeXml(s.name)}</text>`);
  });
  return parts.join('\n');
}

/**
 * Draws training curves as a standalone SVG: one panel for the losses (`loss`, `val_loss`)
 * and one for each other metric family (`accuracy` with `val_accuracy`, …), one point per epoch.
 * @param history - series by name, one value per epoch (what `Trainer.fit` returns)
 */
export function renderCurvesSvg(history: Readonly<Record<string, readonly number[]>>): string {
  const families = new Map<string, CurveSeries[]>();
  for (const [name, values] of Object.entries(history)) {
    const base = name.replace(/^val_/, '');
    const list = families.get(base) ?? [];
    list.push({ name, values });
    families.set(base, list);
  }
  const order = [...families.keys()].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
  const panelWidth = 420;
  const height = 280;
  const width = Math.max(1, order.length) * panelWidth;
  const body = order.map((family, i) => panel(family, families.get(family)!, i * panelWidth, panelWidth, height)).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
