/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (stderr). */
  readonly stream: { write(text: string): unknown };
  /** Redraw in place (a terminal); when false, nothing is drawn and callers print their own lines. */
  readonly interactive: boolean;
  /** Characters of the bar itself (default 30). */
  readonly width?: number;
  /** Least milliseconds between redraws (default 80). */
  readonly intervalMs?: number;
}

/**
 * A one-line progress bar for terminals: `[##########----------]  50%  epoch 1/2 loss 0.31`.
 * It redraws in place with a carriage return and draws nothing when the stream is not a terminal.
 */
export class ProgressBar {
  readonly #options: ProgressBarOptions;
  #last = 0;
  #drawn = false;

  constructor(options: ProgressBarOptions) {
    this.#options = options;
  }

  /** The bar's text for a fraction (0–1) and a label, without drawing it. */
  render(fraction: number, label = ''): string {
    const width = this.#options.width ?? 30;
    const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(f * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%${label ? `  ${label}` : ''}`;
  }

  /** Redraws at most every `intervalMs` (always at 100%). */
  update(fraction: number, label = ''): void {
    if (!this.#options.interactive) return;
    const t = Date.now();
    if (fraction < 1 && t - this.#last < (this.#options.intervalMs ?? 80)) return;
    this.#last = t;
    this.#options.stream.write(`\r\x1b[2K${this.render(fraction, label)}`);
    this.#drawn = true;
  }

  /** Ends the line so later output starts on a fresh one. */
  done(): void {
    if (this.#drawn) this.#options.stream.write('\n');
    this.#drawn = false;
  }
}
