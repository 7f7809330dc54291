import { ServableError } from '../errors/servable-error.js';
import type { EncryptionHeader } from '../model/manifest.js';
import { base64ToBytes } from './byte-encoding.js';
import { MODEL_IV_BYTES, MODEL_TAG_BYTES } from './encrypt-model.js';
import { modelAad, type ModelIdentity } from './model-aad.js';
import { parseModelKey } from './model-key.js';
import { sha256Hex } from './sha256.js';
import { subtleCrypto } from './web-crypto.js';

function integrity(subject: string, expected: string, received: string, fix: string): ServableError {
  return new ServableError('MODEL_INTEGRITY', `${subject}: expected ${expected}, got ${received} — ${fix}`, { details: { subject, expected, received } });
}

/**
 * Decrypts a model encrypted by `encryptModel`, in memory. The ciphertext must authenticate
 * under the key, the header's IV and the identity (name, version, format); anything changed
 * — key, IV, tag, ciphertext, or the identity — is refused with `MODEL_INTEGRITY`, whose
 * message never contains key material.
 * @param ciphertext - the stored file: ciphertext followed by the 16-byte tag
 * @param header - the manifest's `encryption`
 * @param identity - the manifest's name, version and format
 * @param key - 32 key bytes (or their base64/hex text)
 */
export async function decryptModel(ciphertext: Uint8Array, header: EncryptionHeader, identity: ModelIdentity, key: Uint8Array | string): Promise<Uint8Array> {
  const subject = `encrypted model "${identity.name}@${identity.version}"`;
  if (header?.algorithm !== 'AES-256-GCM') {
    throw integrity(subject, 'encryption.algorithm "AES-256-GCM"', JSON.stringify(header?.algorithm), 'encrypt the model with encryptModel()');
  }
  if (header.tagLength !== MODEL_TAG_BYTES) {
    throw integrity(subject, `a ${MODEL_TAG_BYTES}-byte tag`, `encryption.tagLength ${JSON.stringify(header.tagLength)}`, 'shorter GCM tags are refused; encrypt the model again');
  }
  let iv: Uint8Array;
  try {
    iv = base64ToBytes(header.iv, 'encryption.iv');
  } catch (cause) {
    throw new ServableError('MODEL_INTEGRITY', `${subject}: expected encryption.iv as base64 of ${MODEL_IV_BYTES} bytes, got text that is not base64 — restore servable.json`, { cause });
  }
  if (iv.length !== MODEL_IV_BYTES) {
    throw integrity(subject, `an IV of ${MODEL_IV_BYTES} bytes`, `${iv.length} bytes`, 'restore servable.json');
  }
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < MODEL_TAG_BYTES) {
    const got = ciphertext instanceof Uint8Array ? `${ciphertext.length} bytes` : typeof ciphertext;
    throw integrity(subject, `a file of at least ${MODEL_TAG_BYTES} bytes (ciphertext and its tag)`, got, 'the file is truncated; restore it');
  }
  const rawKey = parseModelKey(key, `key "${header.keyId}"`);
  const subtle = subtleCrypto();
  const cryptoKey = await subtle.importKey('raw', rawKey as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['decrypt']);
  let plaintext: Uint8Array;
  try {
    const opened = await subtle.decrypt(
      { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, tagLength: MODEL_TAG_BYTES * 8, additionalData: modelAad(identity) as Uint8Array<ArrayBuffer> },
      cryptoKey,
      ciphertext as Uint8Array<ArrayBuffer>,
    );
    plaintext = new Uint8Array(opened);
  } catch {
    throw integrity(
      subject,
      `a file that key "${header.keyId}" authenticates (AES-256-GCM)`,
      'one that fails authentication',
      'the key is wrong, or the file, its IV or tag, or the manifest name, version or format changed after encryption',
    );
  }
  if (header.plaintextSha256 !== undefined) {
    const actual = await sha256Hex(plaintext);
    if (actual !== header.plaintextSha256) {
      throw integrity(subject, `decrypted bytes with sha256 ${header.plaintextSha256}`, `sha256 ${actual}`, 'encrypt the model again');
    }
  }
  return plaintext;
}
