import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { isSafeRelativePath, parseManifest, stringifyManifest, validateManifest } from './manifest.js';

const base = {
  schemaVersion: 1,
  name: 'mnist',
  version: '1',
  format: 'onnx',
  file: 'model.onnx',
};

function fieldError(value: unknown): ServableError {
  try {
    validateManifest(value);
  } catch (e) {
    if (ServableError.isInstance(e)) return e;
    throw new Error(`expected a ServableError, got ${String(e)}`);
  }
  throw new Error('expected MANIFEST_INVALID, got a valid manifest');
}

const good = {
  ...base,
  sha256: 'a'.repeat(64),
  signature: { inputs: [{ name: 'pixels', dtype: 'float32', shape: ['batch', 28, 28] }], outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 10] }] },
  preprocessing: { input: 'pixels', image: { resize: { width: 28, height: 28 }, grayscale: true, invert: true, scale: 1 / 255, mean: [0.1307], std: [0.3081], layout: 'NHW' } },
  postprocessing: { output: 'probabilities', activation: 'none', topK: 3 },
  labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  encryption: { algorithm: 'AES-256-GCM', keyId: 'k1', iv: 'AAAAAAAAAAAAAAAA', tagLength: 16, aad: 'servable-model/1:name,version,format', plaintextSha256: 'b'.repeat(64) },
  files: ['weights/part-1.bin'],
  description: 'digits',
  metadata: { accuracy: 0.98 },
};

describe('validateManifest', () => {
  it('accepts a full manifest and returns it', () => {
    expect(validateManifest(good)).toBe(good);
    expect(validateManifest(base)).toBe(base);
  });

  const cases: [string, unknown][] = [
    ['(root)', null],
    ['(root)', []],
    ['schemaVersion', { ...base, schemaVersion: 2 }],
    ['name', { ...base, name: '../etc' }],
    ['name', { ...base, name: '' }],
    ['name', { ...base, name: 5 }],
    ['version', { ...base, version: 1 }],
    ['version', { ...base, version: 'a b' }],
    ['format', { ...base, format: 'pytorch' }],
    ['file', { ...base, file: '../model.onnx' }],
    ['file', { ...base, file: '/abs/model.onnx' }],
    ['file', { ...base, file: undefined }],
    ['sha256', { ...base, sha256: 'ABC' }],
    ['sha256', { ...base, sha256: 'A'.repeat(64) }],
    ['signature', { ...base, signature: null }],
    ['signature.inputs', { ...base, signature: { outputs: [] } }],
    ['signature.outputs', { ...base, signature: { inputs: [] } }],
    ['signature.inputs[0]', { ...base, signature: { inputs: [null], outputs: [] } }],
    ['signature.inputs[0].name', { ...base, signature: { inputs: [{ name: '', dtype: 'float32', shape: [] }], outputs: [] } }],
    ['signature.outputs[0].dtype', { ...base, signature: { inputs: [], outputs: [{ name: 'y', dtype: 'float8', shape: [] }] } }],
    ['signature.inputs[0].shape', { ...base, signature: { inputs: [{ name: 'x', dtype: 'float32', shape: 'batch' }], outputs: [] } }],
    ['signature.inputs[0].shape', { ...base, signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1] }], outputs: [] } }],
    ['signature.inputs[0].shape', { ...base, signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [''] }], outputs: [] } }],
    ['labels', { ...base, labels: [1, 2] }],
    ['labels', { ...base, labels: 'cat,dog' }],
    ['files', { ...base, files: ['../w.bin'] }],
    ['files', { ...base, files: 'w.bin' }],
    ['preprocessing', { ...base, preprocessing: null }],
    ['preprocessing.input', { ...base, preprocessing: { input: 3 } }],
    ['preprocessing.image', { ...base, preprocessing: { image: null } }],
    ['preprocessing.image.scale', { ...base, preprocessing: { image: { scale: '1/255' } } }],
    ['preprocessing.image.layout', { ...base, preprocessing: { image: { layout: 'CHW' } } }],
    ['preprocessing.image.grayscale', { ...base, preprocessing: { image: { grayscale: 'yes' } } }],
    ['preprocessing.image.invert', { ...base, preprocessing: { image: { invert: 1 } } }],
    ['preprocessing.image.mean', { ...base, preprocessing: { image: { mean: [0.5, 'x'] } } }],
    ['preprocessing.image.mean', { ...base, preprocessing: { image: { mean: [] } } }],
    ['preprocessing.image.std', { ...base, preprocessing: { image: { std: 0.5 } } }],
    ['preprocessing.image.std', { ...base, preprocessing: { image: { std: [0.5, 0] } } }],
    ['preprocessing.image.resize', { ...base, preprocessing: { image: { resize: { width: 0, height: 28 } } } }],
    ['preprocessing.image.resize', { ...base, preprocessing: { image: { resize: null } } }],
    ['postprocessing', { ...base, postprocessing: null }],
    ['postprocessing.output', { ...base, postprocessing: { output: 7 } }],
    ['postprocessing.activation', { ...base, postprocessing: { activation: 'relu' } }],
    ['postprocessing.topK', { ...base, postprocessing: { topK: 0 } }],
    ['postprocessing.topK', { ...base, postprocessing: { topK: 1.5 } }],
    ['encryption', { ...base, encryption: null }],
    ['encryption.algorithm', { ...base, encryption: { ...good.encryption, algorithm: 'AES-128-CBC' } }],
    ['encryption.keyId', { ...base, encryption: { ...good.encryption, keyId: '' } }],
    ['encryption.iv', { ...base, encryption: { ...good.encryption, iv: 'short' } }],
    ['encryption.iv', { ...base, encryption: { ...good.encryption, iv: 12 } }],
    ['encryption.tagLength', { ...base, encryption: { ...good.encryption, tagLength: 12 } }],
    ['encryption.aad', { ...base, encryption: { ...good.encryption, aad: 'nothing' } }],
    ['encryption.plaintextSha256', { ...base, encryption: { ...good.encryption, plaintextSha256: 'xyz' } }],
    ['description', { ...base, description: 42 }],
    ['metadata', { ...base, metadata: [1] }],
  ];

  for (const [field, value] of cases) {
    it(`names "${field}" when it is bad (${JSON.stringify(value)?.slice(0, 70)})`, () => {
      const e = fieldError(value);
      expect(e.code).toBe('MANIFEST_INVALID');
      expect(e.details.subject).toBe(field);
      expect(e.message).toContain(`"${field}"`);
      expect(e.message).toContain('expected');
      expect(e.message).toContain('got');
    });
  }

  it('says "nothing" for a missing field', () => {
    expect(fieldError({ ...base, name: undefined }).message).toContain('got nothing');
  });
});

describe('parseManifest and stringifyManifest', () => {
  it('round-trips', () => {
    const text = stringifyManifest(good as never);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseManifest(text)).toEqual(good);
  });

  it('reports bad JSON as MANIFEST_INVALID', () => {
    expect(() => parseManifest('{ nope')).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
  });

  it('refuses to write an invalid manifest', () => {
    expect(() => stringifyManifest({ ...base, version: '' } as never)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
  });
});

describe('isSafeRelativePath', () => {
  it.each([
    ['model.onnx', true],
    ['weights/part-1.bin', true],
    ['a/b/c.bin', true],
    ['..', false],
    ['../x', false],
    ['a/../../x', false],
    ['a/..', false],
    ['a\\..\\..\\x', false],
    ['/etc/passwd', false],
    ['\\\\server\\share', false],
    ['C:\\model.onnx', false],
    ['c:model.onnx', false],
    ['a//b', false],
    ['a/', false],
    ['./a', false],
    ['', false],
    ['a\0b', false],
    ['x'.repeat(513), false],
  ])('%j → %s', (name, safe) => {
    expect(isSafeRelativePath(name)).toBe(safe);
  });

  it('rejects non-strings', () => {
    expect(isSafeRelativePath(undefined as never)).toBe(false);
  });
});
