// Draws training curves (loss and accuracy per epoch, training and validation) as a small SVG.

const COLORS = { loss: '#d62728', val_loss: '#ff9896', accuracy: '#1f77b4', val_accuracy: '#aec7e8' };

function panel(title, series, x0, width, height, fixedRange) {
  const names = Object.keys(series).filter((k) => series[k]?.length);
  const values = names.flatMap((k) => series[k]);
  const lo = fixedRange ? fixedRange[0] : Math.min(...values);
  const hi = fixedRange ? fixedRange[1] : Math.max(...values);
  const span = hi - lo || 1;
  const pad = { left: 48, right: 12, top: 28, bottom: 32 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const epochs = Math.max(...names.map((k) => series[k].length));
  const px = (i) => x0 + pad.left + (epochs > 1 ? (i / (epochs - 1)) * w : w / 2);
  const py = (v) => pad.top + h - ((v - lo) / span) * h;
  const out = [`<text x="${x0 + width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>`];
  out.push(`<rect x="${x0 + pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = lo + (span * t) / 4;
    out.push(`<text x="${x0 + pad.left - 6}" y="${py(v) + 4}" text-anchor="end" font-size="10">${v.toFixed(3)}</text>`);
    out.push(`<line x1="${x0 + pad.left}" x2="${x0 + pad.left + w}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
  }
  for (let i = 0; i < epochs; i++) out.push(`<text x="${px(i)}" y="${pad.top + h + 16}" text-anchor="middle" font-size="10">${i + 1}</text>`);
  out.push(`<text x="${x0 + pad.left + w / 2}" y="${height - 4}" text-anchor="middle" font-size="11">epoch</text>`);
  names.forEach((k, n) => {
    const pts = series[k].map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[k] ?? '#333'}" stroke-width="2"/>`);
    for (const p of pts.split(' ')) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${COLORS[k] ?? '#333'}"/>`);
    out.push(`<text x="${x0 + pad.left + 8}" y="${pad.top + 14 + n * 13}" font-size="11" fill="${COLORS[k] ?? '#333'}">${k}</text>`);
  });
  return out.join('\n');
}

/**
 * @param {Record<string, number[]>} history - `loss`, `accuracy`, `val_loss`, `val_accuracy` per epoch
 * @param {string} title - shown above the panels
 * @returns {string} an SVG document
 */
export function curvesSvg(history, title = 'training') {
  const width = 720;
  const height = 300;
  const loss = { loss: history.loss, val_loss: history.val_loss };
  const acc = { accuracy: history.accuracy, val_accuracy: history.val_accuracy };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 24}" viewBox="0 0 ${width} ${height + 24}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="${height + 18}" text-anchor="middle" font-size="11" fill="#555">${title}</text>`,
    panel('loss', loss, 0, width / 2, height),
    panel('accuracy', acc, width / 2, width / 2, height),
    '</svg>',
  ].join('\n');
}
