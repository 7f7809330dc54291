/**
 * A one-reader queue between a producer task and an async iterator: the producer never waits
 * for the reader, and the reader wakes when something arrives.
 */
export class EventQueue<T> {
  #items: T[] = [];
  #head = 0;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;

  /** Adds an item. */
  push(item: T): void {
    this.#items.push(item);
    this.#signal();
  }

  /** Ends the queue with an error, thrown to the reader after the items already queued. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#signal();
  }

  /** Ends the queue normally. */
  end(): void {
    this.#ended = true;
    this.#signal();
  }

  /** Reads every item, then returns (or throws the failure). */
  async *read(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.#head < this.#items.length) {
        const item = this.#items[this.#head++]!;
        if (this.#head > 64 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        yield item;
        continue;
      }
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
