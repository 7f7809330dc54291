import { ServableError } from '../errors/servable-error.js';
import { ENCRYPTION_AAD_SCHEME, MODEL_FORMATS, type EncryptionHeader } from '../model/manifest.js';
import { bytesToBase64 } from './byte-encoding.js';
import { modelAad, type ModelIdentity } from './model-aad.js';
import { modelKeyId, parseModelKey } from './model-key.js';
import { randomBytes, subtleCrypto } from './web-crypto.js';

/** Bytes of the AES-GCM IV. */
export const MODEL_IV_BYTES = 12;
/** Bytes of the AES-GCM tag that ends every encrypted model file. */
export const MODEL_TAG_BYTES = 16;

/** Options of {@link encryptModel}. */
export interface EncryptModelOptions extends ModelIdentity {
  /** The AES-256 key: 32 bytes, or their base64/hex text. */
  readonly key: Uint8Array | string;
  /** Names the key in the header (default: derived from the key by `modelKeyId`). */
  readonly keyId?: string;
}

/** An encrypted model: the file to store and the header for `servable.json`'s `encryption`. */
export interface EncryptedModel {
  /** AES-256-GCM ciphertext followed by its 16-byte tag. */
  readonly ciphertext: Uint8Array;
  /** What a decryptor needs besides the key. */
  readonly header: EncryptionHeader;
}

/**
 * Encrypts a model file with AES-256-GCM (WebCrypto, so the same code runs in browsers): a
 * fresh random 96-bit IV, a 16-byte tag, and additional authenticated data binding the
 * model's name, version and format. The plaintext is not kept or written anywhere.
 * @param plaintext - the model file's bytes
 * @param options - key, key id, and the identity the ciphertext is bound to
 * @throws ServableError `INVALID_ARGUMENT` for a bad key or identity
 */
export async function encryptModel(plaintext: Uint8Array, options: EncryptModelOptions): Promise<EncryptedModel> {
  if (!(plaintext instanceof Uint8Array)) {
    throw new ServableError('INVALID_ARGUMENT', `encryptModel plaintext: expected the model file as a Uint8Array, got ${typeof plaintext}`);
  }
  for (const field of ['name', 'version'] as const) {
    if (typeof options[field] !== 'string' || !options[field]) {
      throw new ServableError('INVALID_ARGUMENT', `encryptModel ${field}: expected the manifest's ${field}, got ${JSON.stringify(options[field])} — the ciphertext is bound to it`);
    }
  }
  if (!MODEL_FORMATS.includes(options.format)) {
    throw new ServableError('INVALID_ARGUMENT', `encryptModel format: expected ${MODEL_FORMATS.join(' | ')}, got ${JSON.stringify(options.format)}`);
  }
  if (options.keyId !== undefined && (typeof options.keyId !== 'string' || !options.keyId)) {
    throw new ServableError('INVALID_ARGUMENT', `encryptModel keyId: expected a non-empty name for the key, got ${JSON.stringify(options.keyId)}`);
  }
  const key = parseModelKey(options.key, 'encryptModel key');
  const iv = randomBytes(MODEL_IV_BYTES);
  const subtle = subtleCrypto();
  const cryptoKey = await subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['encrypt']);
  const sealed = await subtle.encrypt(
    { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, tagLength: MODEL_TAG_BYTES * 8, additionalData: modelAad(options) as Uint8Array<ArrayBuffer> },
    cryptoKey,
    plaintext as Uint8Array<ArrayBuffer>,
  );
  const header: EncryptionHeader = {
    algorithm: 'AES-256-GCM',
    keyId: options.keyId ?? (await modelKeyId(key)),
    iv: bytesToBase64(iv),
    tagLength: MODEL_TAG_BYTES,
    aad: ENCRYPTION_AAD_SCHEME,
  };
  return { ciphertext: new Uint8Array(sealed), header };
}
