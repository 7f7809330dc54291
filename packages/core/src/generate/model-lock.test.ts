import { describe, expect, it } from 'vitest';
import { lockOf, ModelLock } from './model-lock.js';

describe('ModelLock', () => {
  it('grants the lock in arrival order, one holder at a time', async () => {
    const lock = new ModelLock();
    const order: number[] = [];
    const release1 = await lock.acquire();
    const p2 = lock.acquire().then((r) => (order.push(2), r));
    const p3 = lock.acquire().then((r) => (order.push(3), r));
    expect(lock.waiting).toBe(2);
    release1();
    release1();
    (await p2)();
    (await p3)();
    expect(order).toEqual([2, 3]);
    expect(lock.held).toBe(false);
  });

  it('removes an aborted waiter from the queue', async () => {
    const lock = new ModelLock();
    const release = await lock.acquire();
    const controller = new AbortController();
    const waiting = lock.acquire(controller.signal);
    controller.abort('gone');
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(lock.waiting).toBe(0);
    release();
    expect(lock.held).toBe(false);
  });

  it('is shared by everything that asks for the same model', () => {
    const model = {};
    expect(lockOf(model)).toBe(lockOf(model));
    expect(lockOf({})).not.toBe(lockOf(model));
  });
});
