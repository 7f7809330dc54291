import { ENCRYPTION_AAD_SCHEME, type ModelFormat } from '../model/manifest.js';

/** What an encrypted model is bound to: the manifest fields the AAD covers. */
export interface ModelIdentity {
  /** Manifest `name`. */
  readonly name: string;
  /** Manifest `version`. */
  readonly version: string;
  /** Manifest `format`. */
  readonly format: ModelFormat;
}

/**
 * The additional authenticated data of an encrypted model: the scheme, then the JSON array
 * `[name, version, format]` (unambiguous whatever characters the fields hold). A ciphertext
 * moved to another name, version or format then fails to authenticate.
 */
export function modelAad(identity: ModelIdentity): Uint8Array {
  return new TextEncoder().encode(`${ENCRYPTION_AAD_SCHEME}\n${JSON.stringify([identity.name, identity.version, identity.format])}`);
}
