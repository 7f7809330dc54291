import { ServableError } from '../errors/servable-error.js';

interface Waiter {
  grant(release: () => void): void;
  fail(error: unknown): void;
}

/**
 * A first-in, first-out mutex. A generation holds its model's lock from its first step to its
 * last, so two generations on one model are queued, never interleaved.
 */
export class ModelLock {
  #held = false;
  readonly #queue: Waiter[] = [];

  /** Generations waiting for the lock. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** True while a generation holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Waits for the lock; resolves with the function that releases it (call it exactly once).
   * @param signal - leaves the queue when aborted (rejects with `ABORTED`)
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(aborted(signal));
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(aborted(signal!));
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant(this.#releaser());
      else this.#held = false;
    };
  }
}

function aborted(signal: AbortSignal): ServableError {
  return new ServableError('ABORTED', `generation was aborted while waiting for the model: ${String(signal.reason ?? 'AbortSignal fired')}`, { cause: signal.reason });
}

const locks = new WeakMap<object, ModelLock>();

/** The lock of a model (one per model object, shared by every generator on it). */
export function lockOf(model: object): ModelLock {
  let lock = locks.get(model);
  if (!lock) {
    lock = new ModelLock();
    locks.set(model, lock);
  }
  return lock;
}
