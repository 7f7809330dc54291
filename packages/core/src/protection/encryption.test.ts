import { readFile, mkdtemp, mkdir, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { loadModel } from '../model/load-model.js';
import { parseManifest, stringifyManifest, type EncryptionHeader, type ModelManifest } from '../model/manifest.js';
import { createFakeRuntime } from '../testing/fake-runtime.js';
import { base64ToBytes, bytesToBase64, bytesToHex } from './byte-encoding.js';
import { createDecryptor } from './create-decryptor.js';
import { decryptModel } from './decrypt-model.js';
import { encryptModel } from './encrypt-model.js';
import { encryptModelFolder } from './encrypt-model-folder.js';
import { exportModelKey, generateModelKey, modelKeyId, parseModelKey } from './model-key.js';
import { sha256Hex } from './sha256.js';

const FIXTURE = fileURLToPath(new URL('../../../../fixtures/models/add_one.onnx', import.meta.url));
const identity = { name: 'add-one', version: '1', format: 'onnx' as const };
const signature = { inputs: [{ name: 'x', dtype: 'float32' as const, shape: ['batch', 'n'] }], outputs: [{ name: 'y', dtype: 'float32' as const, shape: ['batch', 'n'] }] };

let plaintext: Uint8Array;
let key: Uint8Array;
let sealed: { ciphertext: Uint8Array; header: EncryptionHeader };

async function rejection(p: Promise<unknown>): Promise<ServableError> {
  try {
    await p;
  } catch (e) {
    if (ServableError.isInstance(e)) return e;
    throw new Error(`expected a ServableError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got success');
}

/** Asserts a MODEL_INTEGRITY error whose message leaks no form of the key. */
function expectIntegrity(e: ServableError, ...keys: Uint8Array[]): void {
  expect(e.code, e.message).toBe('MODEL_INTEGRITY');
  for (const k of keys) {
    for (const form of [bytesToBase64(k), bytesToBase64(k).replace(/=+$/, ''), bytesToHex(k), bytesToHex(k).toUpperCase()]) {
      expect(e.message).not.toContain(form);
      expect(JSON.stringify(e)).not.toContain(form);
    }
  }
}

/** xorshift32: the bit positions are random but the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

beforeAll(async () => {
  plaintext = new Uint8Array(await readFile(FIXTURE));
  key = generateModelKey();
  sealed = await encryptModel(plaintext, { ...identity, key, keyId: 'test-key' });
});

describe('model keys', () => {
  it('are 32 random bytes', () => {
    const a = generateModelKey();
    const b = generateModelKey();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
  });

  it('export as base64 or hex with a stable derived key id, and parse back', async () => {
    const b64 = await exportModelKey(key);
    const hex = await exportModelKey(key, { encoding: 'hex', keyId: 'prod-2024' });
    expect(b64.encoding).toBe('base64');
    expect(b64.text).toHaveLength(44);
    expect(b64.keyId).toMatch(/^k-[0-9a-f]{16}$/);
    expect(b64.keyId).toBe(await modelKeyId(key));
    expect(b64.keyId).not.toBe(await modelKeyId(generateModelKey()));
    expect(hex).toMatchObject({ encoding: 'hex', keyId: 'prod-2024' });
    expect(hex.text).toMatch(/^[0-9a-f]{64}$/);
    expect(parseModelKey(b64.text)).toEqual(key);
    expect(parseModelKey(`  ${hex.text.toUpperCase()}\n`)).toEqual(key);
    expect(parseModelKey(b64.text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).toEqual(key);
  });

  it('refuse anything but 32 bytes without echoing the text', () => {
    const short = bytesToBase64(new Uint8Array(16).fill(7));
    for (const bad of [short, 'not a key!', '', new Uint8Array(31)]) {
      try {
        parseModelKey(bad, 'environment variable "K"');
        expect.unreachable();
      } catch (e) {
        expect((e as ServableError).code).toBe('INVALID_ARGUMENT');
        expect((e as Error).message).toContain('environment variable "K"');
        if (typeof bad === 'string' && bad) expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('encryptModel and decryptModel', () => {
  it('round-trips with AES-256-GCM, a fresh 96-bit IV and a 16-byte tag', async () => {
    expect(sealed.header).toEqual({ algorithm: 'AES-256-GCM', keyId: 'test-key', iv: sealed.header.iv, tagLength: 16, aad: 'servable-model/1:name,version,format' });
    expect(base64ToBytes(sealed.header.iv, 'iv')).toHaveLength(12);
    expect(sealed.ciphertext.length).toBe(plaintext.length + 16);
    expect(bytesToHex(sealed.ciphertext)).not.toContain(bytesToHex(plaintext.subarray(0, 16)));
    expect(await decryptModel(sealed.ciphertext, sealed.header, identity, key)).toEqual(plaintext);
    const again = await encryptModel(plaintext, { ...identity, key });
    expect(again.header.iv).not.toBe(sealed.header.iv);
    expect(again.header.keyId).toBe(await modelKeyId(key));
    expect(await decryptModel(again.ciphertext, again.header, identity, bytesToBase64(key))).toEqual(plaintext);
  });

  it('rejects 1,000 random single-bit flips over the IV, the tag and the ciphertext', async () => {
    const random = seeded(0x5eed);
    const iv = base64ToBytes(sealed.header.iv, 'iv');
    const bodyBits = (sealed.ciphertext.length - 16) * 8;
    const regions = { iv: 0, tag: 0, ciphertext: 0 };
    const totalBits = iv.length * 8 + 16 * 8 + bodyBits;
    for (let n = 0; n < 1000; n++) {
      const bit = Math.floor(random() * totalBits);
      let header = sealed.header;
      const file = sealed.ciphertext.slice();
      if (bit < 96) {
        const flipped = iv.slice();
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        header = { ...header, iv: bytesToBase64(flipped) };
        regions.iv++;
      } else {
        const b = bit - 96;
        const index = b < 128 ? file.length - 16 + (b >> 3) : (b - 128) >> 3;
        file[index]! ^= 1 << (b & 7);
        if (b < 128) regions.tag++;
        else regions.ciphertext++;
      }
      const e = await rejection(decryptModel(file, header, identity, key));
      expectIntegrity(e);
    }
    expect(regions.iv).toBeGreaterThan(30);
    expect(regions.tag).toBeGreaterThan(30);
    expect(regions.ciphertext).toBeGreaterThan(300);
  });

  it('rejects a truncated tag and a file shorter than a tag', async () => {
    for (const cut of [1, 4, 15, 16]) {
      expectIntegrity(await rejection(decryptModel(sealed.ciphertext.subarray(0, sealed.ciphertext.length - cut), sealed.header, identity, key)), key);
    }
    const tiny = await rejection(decryptModel(sealed.ciphertext.subarray(0, 15), sealed.header, identity, key));
    expectIntegrity(tiny, key);
    expect(tiny.message).toContain('at least 16 bytes');
    const header = { ...sealed.header, tagLength: 12 } as unknown as EncryptionHeader;
    expectIntegrity(await rejection(decryptModel(sealed.ciphertext, header, identity, key)), key);
  });

  it('rejects a wrong key without revealing either key', async () => {
    const wrong = generateModelKey();
    const e = await rejection(decryptModel(sealed.ciphertext, sealed.header, identity, wrong));
    expectIntegrity(e, key, wrong);
    expect(e.message).toContain('"test-key"');
    expect(e.message).toContain('add-one@1');
  });

  it('rejects a changed name, version or format (AAD)', async () => {
    for (const changed of [{ ...identity, name: 'add-two' }, { ...identity, version: '2' }, { ...identity, format: 'tfjs-graph' as const }]) {
      expectIntegrity(await rejection(decryptModel(sealed.ciphertext, sealed.header, changed, key)), key);
    }
  });

  it('rejects a bad IV length and a bad algorithm in the header', async () => {
    expectIntegrity(await rejection(decryptModel(sealed.ciphertext, { ...sealed.header, iv: bytesToBase64(new Uint8Array(16)) }, identity, key)));
    expectIntegrity(await rejection(decryptModel(sealed.ciphertext, { ...sealed.header, algorithm: 'AES-128-GCM' } as never, identity, key)));
  });

  it('checks plaintextSha256 when the header has one', async () => {
    const header = { ...sealed.header, plaintextSha256: await sha256Hex(plaintext) };
    expect(await decryptModel(sealed.ciphertext, header, identity, key)).toEqual(plaintext);
    expectIntegrity(await rejection(decryptModel(sealed.ciphertext, { ...header, plaintextSha256: '0'.repeat(64) }, identity, key)));
  });

  it('validates its options', async () => {
    expect((await rejection(encryptModel(plaintext, { ...identity, key: new Uint8Array(16) }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(encryptModel(plaintext, { ...identity, name: '', key }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(encryptModel(plaintext, { ...identity, format: 'pickle' as never, key }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(encryptModel('text' as never, { ...identity, key }))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('createDecryptor key sources', () => {
  const manifest = (): ModelManifest => ({ schemaVersion: 1, ...identity, file: 'model.onnx.enc', encryption: sealed.header });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'servable-keys-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the key as bytes or text', async () => {
    expect(await createDecryptor({ key })(sealed.ciphertext, manifest())).toEqual(plaintext);
    expect(await createDecryptor({ key: bytesToHex(key) })(sealed.ciphertext, manifest())).toEqual(plaintext);
  });

  it('reads an environment variable, and names it when it is missing', async () => {
    process.env.SERVABLE_TEST_MODEL_KEY = (await exportModelKey(key)).text;
    try {
      expect(await createDecryptor({ env: 'SERVABLE_TEST_MODEL_KEY' })(sealed.ciphertext, manifest())).toEqual(plaintext);
    } finally {
      delete process.env.SERVABLE_TEST_MODEL_KEY;
    }
    const e = await rejection(createDecryptor({ env: 'SERVABLE_TEST_MODEL_KEY' })(sealed.ciphertext, manifest()));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('SERVABLE_TEST_MODEL_KEY');
    expect(e.message).toContain('"test-key"');
  });

  it('reads a key file (trailing newline allowed)', async () => {
    const file = join(dir, 'model.key');
    await writeFile(file, `${bytesToHex(key)}\n`, { mode: 0o600 });
    expect(await createDecryptor({ file })(sealed.ciphertext, manifest())).toEqual(plaintext);
    expect((await rejection(createDecryptor({ file: join(dir, 'missing.key') })(sealed.ciphertext, manifest()))).code).toBe('INVALID_ARGUMENT');
  });

  it('asks a function (KMS hook) for the key id in the manifest', async () => {
    const asked: string[] = [];
    const decrypt = createDecryptor(async (keyId) => {
      asked.push(keyId);
      return key;
    });
    expect(await decrypt(sealed.ciphertext, manifest())).toEqual(plaintext);
    expect(asked).toEqual(['test-key']);
    const failing = createDecryptor(() => Promise.reject(new Error('KMS throttled')));
    const e = await rejection(failing(sealed.ciphertext, manifest()));
    expect(e.code).toBe('MODEL_INTEGRITY');
    expect(e.message).toContain('KMS throttled');
  });

  it('rejects a wrong key from any source as MODEL_INTEGRITY without key material', async () => {
    const wrong = generateModelKey();
    expectIntegrity(await rejection(createDecryptor({ key: wrong })(sealed.ciphertext, manifest())), key, wrong);
    expectIntegrity(await rejection(createDecryptor(async () => bytesToBase64(wrong))(sealed.ciphertext, manifest())), key, wrong);
  });

  it('refuses a malformed source and a manifest without encryption', async () => {
    expect(() => createDecryptor({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createDecryptor({ env: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createDecryptor({ key: 'c2hvcnQ=' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const plain = { ...manifest(), encryption: undefined };
    expect((await rejection(createDecryptor({ key })(sealed.ciphertext, plain))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('encryptModelFolder and loadModel', () => {
  let dir: string;
  let source: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'servable-enc-'));
    source = join(dir, 'src');
    await mkdir(source);
    await copyFile(FIXTURE, join(source, 'model.onnx'));
    const m: ModelManifest = { schemaVersion: 1, ...identity, file: 'model.onnx', sha256: await sha256Hex(plaintext), labels: ['y'] };
    await writeFile(join(source, 'servable.json'), stringifyManifest(m));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes only the ciphertext and the manifest to outDir, and loadModel decrypts in memory', async () => {
    const out = join(dir, 'out');
    const result = await encryptModelFolder(source, { key, keyId: 'folder-key', outDir: out });
    expect((await readdir(out)).sort()).toEqual(['model.onnx.enc', 'servable.json']);
    const cipherFile = new Uint8Array(await readFile(join(out, 'model.onnx.enc')));
    expect(bytesToHex(cipherFile)).not.toContain(bytesToHex(plaintext.subarray(0, 24)));
    const written = parseManifest(await readFile(join(out, 'servable.json'), 'utf8'));
    expect(written).toEqual(result.manifest);
    expect(written.file).toBe('model.onnx.enc');
    expect(written.sha256).toBe(await sha256Hex(cipherFile));
    expect(written.encryption).toMatchObject({ algorithm: 'AES-256-GCM', keyId: 'folder-key', tagLength: 16 });
    expect(written.labels).toEqual(['y']);
    expect(await readFile(join(source, 'model.onnx'))).toEqual(Buffer.from(plaintext));

    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(out, { runtimes: [runtime], decrypt: createDecryptor({ key }) });
    const given = runtime.loads[0]!;
    expect(given.bytes).toEqual(plaintext);
    expect(given.path).toBeUndefined();
    expect(given.url).toBeUndefined();
    expect(model.report.decrypted).toBe(true);
    expect(model.report.integrityChecked).toBe(true);
    expect(JSON.stringify(model.report)).not.toContain(bytesToBase64(key));
  });

  it('refuses to load without a key, with a wrong key, or with a renamed manifest — before any runtime sees it', async () => {
    const out = join(dir, 'refuse');
    await encryptModelFolder(source, { key, outDir: out });
    const runtime = createFakeRuntime({ signature });
    const none = await rejection(loadModel(out, { runtimes: [runtime] }));
    expect(none.code).toBe('MODEL_INTEGRITY');
    expect(none.message).toContain('createDecryptor');
    const wrong = generateModelKey();
    expectIntegrity(await rejection(loadModel(out, { runtimes: [runtime], decrypt: createDecryptor({ key: wrong }) })), key, wrong);
    const m = parseManifest(await readFile(join(out, 'servable.json'), 'utf8'));
    await writeFile(join(out, 'servable.json'), stringifyManifest({ ...m, version: '2' }));
    expectIntegrity(await rejection(loadModel(out, { runtimes: [runtime], decrypt: createDecryptor({ key }) })), key);
    expect(runtime.loads).toHaveLength(0);
  });

  it('encrypts in place, optionally removing the plaintext', async () => {
    const inPlace = join(dir, 'in-place');
    await mkdir(inPlace);
    await copyFile(join(source, 'model.onnx'), join(inPlace, 'model.onnx'));
    await copyFile(join(source, 'servable.json'), join(inPlace, 'servable.json'));
    const result = await encryptModelFolder(inPlace, { key: bytesToBase64(key), removePlaintext: true });
    expect(result.removedPlaintext).toBe(true);
    expect((await readdir(inPlace)).sort()).toEqual(['model.onnx.enc', 'servable.json']);
    const model = await loadModel(inPlace, { runtimes: [createFakeRuntime({ signature })], decrypt: createDecryptor({ key }) });
    expect(model.loaded.memoryBytes).toBe(plaintext.length);
    expect((await rejection(encryptModelFolder(inPlace, { key }))).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a folder without a manifest, a corrupted model and a multi-file model', async () => {
    const bare = join(dir, 'bare');
    await mkdir(bare);
    await copyFile(FIXTURE, join(bare, 'model.onnx'));
    expect((await rejection(encryptModelFolder(bare, { key }))).code).toBe('MODEL_NOT_FOUND');
    await writeFile(join(bare, 'servable.json'), stringifyManifest({ schemaVersion: 1, ...identity, file: 'model.onnx', sha256: '0'.repeat(64) }));
    expect((await rejection(encryptModelFolder(bare, { key }))).code).toBe('MODEL_INTEGRITY');
    await writeFile(join(bare, 'servable.json'), stringifyManifest({ schemaVersion: 1, ...identity, file: 'model.onnx', files: ['weights.bin'] }));
    expect((await rejection(encryptModelFolder(bare, { key }))).code).toBe('UNSUPPORTED_CAPABILITY');
    expect(await readdir(bare)).not.toContain('model.onnx.enc');
  });
});
