/** What {@link StopSequenceMatcher.push} found. */
export interface StopMatch {
  /** Text safe to emit now. */
  readonly text: string;
  /** True when a stop sequence completed; `text` ends right before it. */
  readonly stopped: boolean;
}

/**
 * Watches streamed text for stop sequences. Text that could be the start of a stop sequence is
 * held back until it is known not to be one, so a stop sequence never reaches the client, not
 * even in part.
 */
export class StopSequenceMatcher {
  readonly #stops: readonly string[];
  readonly #longest: number;
  #pending = '';

  /** @param stops - non-empty strings that end the generation */
  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
    this.#longest = this.#stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** Adds text; returns what can be emitted and whether a stop sequence completed. */
  push(text: string): StopMatch {
    if (this.#stops.length === 0) return { text, stopped: false };
    this.#pending += text;
    let cut = -1;
    for (const stop of this.#stops) {
      const at = this.#pending.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      const out = this.#pending.slice(0, cut);
      this.#pending = '';
      return { text: out, stopped: true };
    }
    const keep = this.#heldBack();
    const out = this.#pending.slice(0, this.#pending.length - keep);
    this.#pending = this.#pending.slice(this.#pending.length - keep);
    return { text: out, stopped: false };
  }

  /** Ends the stream: returns the text held back (it was not a stop sequence after all). */
  flush(): string {
    const out = this.#pending;
    this.#pending = '';
    return out;
  }

  /** Length of the longest suffix of the pending text that begins some stop sequence. */
  #heldBack(): number {
    const max = Math.min(this.#pending.length, this.#longest - 1);
    for (let n = max; n > 0; n--) {
      const tail = this.#pending.slice(this.#pending.length - n);
      if (this.#stops.some((s) => s.startsWith(tail))) return n;
    }
    return 0;
  }
}
