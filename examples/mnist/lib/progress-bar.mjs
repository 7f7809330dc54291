// A one-line terminal progress bar for training (redrawn in place on a TTY; one line per epoch otherwise).

const WIDTH = 28;

function bar(fraction) {
  const filled = Math.round(fraction * WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
}

function seconds(s) {
  if (!Number.isFinite(s)) return '?';
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

/** Returns an `onProgress` callback that draws the bar on `stream` (default stderr). */
export function progressBar(stream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  return (p) => {
    if (p.kind === 'batch') {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 80 && p.batch + 1 !== p.batches) return;
      lastDraw = now;
      const fraction = p.batches ? (p.batch + 1) / p.batches : 0;
      const acc = p.metrics.accuracy === undefined ? '' : ` acc ${(p.metrics.accuracy * 100).toFixed(1)}%`;
      stream.write(`\r  epoch ${p.epoch + 1}/${p.epochs} ${bar(fraction)} ${p.batch + 1}/${p.batches ?? '?'}  loss ${p.loss.toFixed(4)}${acc}  ${Math.round(p.examplesPerSecond)} ex/s  ETA ${seconds(p.etaSeconds)}   `);
      return;
    }
    const val = p.metrics.val_accuracy === undefined ? '' : `  val_loss ${p.metrics.val_loss.toFixed(4)} val_acc ${(p.metrics.val_accuracy * 100).toFixed(1)}%`;
    const acc = p.metrics.accuracy === undefined ? '' : ` acc ${(p.metrics.accuracy * 100).toFixed(1)}%`;
    stream.write(`${tty ? '\r' : ''}  epoch ${p.epoch + 1}/${p.epochs} ${bar(1)} loss ${p.loss.toFixed(4)}${acc}${val}  ${Math.round(p.examplesPerSecond)} ex/s${' '.repeat(tty ? 12 : 0)}\n`);
  };
}
