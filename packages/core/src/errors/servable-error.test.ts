import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';
import { ServableError, describeMismatch, throwIfAborted } from './servable-error.js';

describe('ServableError', () => {
  it('carries a code, details and a cause', () => {
    const cause = new Error('root');
    const e = new ServableError('SHAPE_MISMATCH', 'input "x": expected [2], got [3]', { cause, details: { subject: 'x', expected: '[2]' } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ServableError');
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.details).toEqual({ subject: 'x', expected: '[2]' });
    expect(e.cause).toBe(cause);
    expect(new ServableError('ABORTED', 'stopped').details).toEqual({});
  });

  it('recognizes instances from another copy of the class through the Symbol.for marker', () => {
    const marker = Symbol.for('servable.error');
    class OtherCopy extends Error {
      readonly [marker] = true;
      readonly code = 'INVALID_INPUT';
    }
    const foreign = new OtherCopy('from another install');
    expect(foreign instanceof ServableError).toBe(false);
    expect(ServableError.isInstance(foreign)).toBe(true);
    expect(ServableError.isInstance(new ServableError('INVALID_INPUT', 'x'))).toBe(true);
  });

  it('rejects look-alikes without the marker', () => {
    expect(ServableError.isInstance(new Error('plain'))).toBe(false);
    expect(ServableError.isInstance({ code: 'INVALID_INPUT', message: 'x' })).toBe(false);
    expect(ServableError.isInstance({ [Symbol('servable.error')]: true })).toBe(false);
    expect(ServableError.isInstance({ [Symbol.for('servable.error')]: 'yes' })).toBe(false);
    expect(ServableError.isInstance(null)).toBe(false);
    expect(ServableError.isInstance('ServableError')).toBe(false);
  });

  it('serializes to JSON without stack or cause', () => {
    const e = new ServableError('OVERLOADED', 'queue full', { cause: new Error('secret internals'), details: { retryAfterMs: 20 } });
    const json = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    expect(json).toEqual({ name: 'ServableError', code: 'OVERLOADED', message: 'queue full', details: { retryAfterMs: 20 } });
    expect(JSON.stringify(e)).not.toContain('secret internals');
  });

  it('has stable, unique codes', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ['INVALID_INPUT', 'SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'MISSING_INPUT', 'UNKNOWN_INPUT', 'RUNTIME_UNAVAILABLE', 'MODEL_LOAD_FAILED', 'MODEL_INTEGRITY', 'OVERLOADED', 'DEADLINE_EXCEEDED', 'ABORTED', 'DISPOSED'] as const) {
      expect(ERROR_CODES).toContain(code);
    }
  });

  it('builds the standard message form', () => {
    expect(describeMismatch('input "a"', '[2] (float32)', '[3] (int32)', 'fix it')).toBe('input "a": expected [2] (float32), got [3] (int32) — fix it');
    expect(describeMismatch('input "a"', 'x', 'y')).toBe('input "a": expected x, got y');
  });

  it('throwIfAborted raises ABORTED with the reason only when aborted', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    const ctrl = new AbortController();
    expect(() => throwIfAborted(ctrl.signal)).not.toThrow();
    ctrl.abort(new Error('user left'));
    try {
      throwIfAborted(ctrl.signal, 'predict');
      expect.unreachable();
    } catch (e) {
      expect(ServableError.isInstance(e) && e.code).toBe('ABORTED');
      expect((e as Error).message).toContain('predict was aborted');
      expect((e as Error).message).toContain('user left');
    }
  });
});
