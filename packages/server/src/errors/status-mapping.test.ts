import { ServableError, ERROR_CODES } from '@servable/core';
import { describe, expect, it } from 'vitest';
import { GRPC_STATUS, toWireError } from './status-mapping.js';

describe('toWireError', () => {
  it('maps every code, 500 only for real faults', () => {
    const byStatus = new Map<number, string[]>();
    for (const code of ERROR_CODES) {
      const wire = toWireError(new ServableError(code, 'm'));
      byStatus.set(wire.http, [...(byStatus.get(wire.http) ?? []), code]);
    }
    expect(byStatus.get(400)).toEqual(expect.arrayContaining(['INVALID_INPUT', 'SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'MISSING_INPUT', 'UNKNOWN_INPUT', 'INVALID_ARGUMENT']));
    expect(byStatus.get(404)).toEqual(['MODEL_NOT_FOUND']);
    expect(byStatus.get(413)).toEqual(expect.arrayContaining(['PAYLOAD_TOO_LARGE']));
    expect(byStatus.get(504)).toEqual(['DEADLINE_EXCEEDED']);
    expect(byStatus.get(500)).toEqual(expect.arrayContaining(['INFERENCE_FAILED']));
    expect(byStatus.get(500)).not.toContain('OVERLOADED');
  });

  it('adds Retry-After seconds to overload, rounding up', () => {
    const wire = toWireError(new ServableError('OVERLOADED', 'full', { details: { retryAfterMs: 1500 } }));
    expect(wire).toMatchObject({ http: 503, grpc: GRPC_STATUS.RESOURCE_EXHAUSTED, retryAfterSeconds: 2 });
  });

  it('maps gRPC codes for the protocol errors', () => {
    expect(toWireError(new ServableError('SHAPE_MISMATCH', 'm')).grpc).toBe(GRPC_STATUS.INVALID_ARGUMENT);
    expect(toWireError(new ServableError('MODEL_NOT_FOUND', 'm')).grpc).toBe(GRPC_STATUS.NOT_FOUND);
    expect(toWireError(new ServableError('DEADLINE_EXCEEDED', 'm')).grpc).toBe(GRPC_STATUS.DEADLINE_EXCEEDED);
    expect(toWireError(new ServableError('DISPOSED', 'm')).grpc).toBe(GRPC_STATUS.UNAVAILABLE);
  });

  it('treats an unknown error as an internal fault, and a framework 413 as too large', () => {
    expect(toWireError(new TypeError('boom'))).toMatchObject({ http: 500, code: 'INTERNAL' });
    expect(toWireError(Object.assign(new Error('Request body is too large'), { statusCode: 413 }))).toMatchObject({ http: 413, code: 'PAYLOAD_TOO_LARGE' });
  });
});
