import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sanitizeErrorMessage } from './error-sanitizer.js';

describe('sanitizeErrorMessage', () => {
  it('keeps only the last segment of absolute host paths', () => {
    expect(sanitizeErrorMessage('model "m": cannot read /srv/secret-team/models/m/1/model.onnx (ENOENT)')).toBe('model "m": cannot read …/model.onnx (ENOENT)');
    expect(sanitizeErrorMessage('failed at file:///home/alice/app/node_modules/x/index.js:3')).toBe('failed at …/index.js:3');
    expect(sanitizeErrorMessage('open C:\\Users\\bob\\models\\m.onnx failed')).toBe('open …/m.onnx failed');
  });

  it('keeps the server\'s own routes and ordinary words', () => {
    const message = 'route POST /v2/models/add_one/infer: expected input "x" shape [batch, 3], got [2] and/or [4]';
    expect(sanitizeErrorMessage(message)).toBe(message);
    expect(sanitizeErrorMessage('POST /predict: expected one model')).toBe('POST /predict: expected one model');
  });

  it('redacts key material, tokens and PEM blocks', () => {
    const hexKey = randomBytes(32).toString('hex');
    const b64Key = randomBytes(32).toString('base64');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const out = sanitizeErrorMessage(`key ${hexKey} or ${b64Key}; header Bearer ${jwt}; token ${jwt}; ${pem}; ApiKey abc.def`);
    for (const secret of [hexKey, b64Key, jwt, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'abc.def']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
});
