import { ServableError } from '../errors/servable-error.js';
import { isNode } from '../io/node-files.js';
import { MANIFEST_FILE, isSafeRelativePath, parseManifest, stringifyManifest, type ModelManifest } from '../model/manifest.js';
import { encryptModel } from './encrypt-model.js';
import { sha256Hex, verifySha256 } from './sha256.js';

/** Options of {@link encryptModelFolder}. */
export interface EncryptModelFolderOptions {
  /** The AES-256 key: 32 bytes, or their base64/hex text. */
  readonly key: Uint8Array | string;
  /** Names the key in the manifest (default: derived from the key). */
  readonly keyId?: string;
  /**
   * Folder to write the encrypted package to (`servable.json` and `model.<ext>.enc` only),
   * leaving the source folder untouched. Default: the source folder itself.
   */
  readonly outDir?: string;
  /** When encrypting in place, delete the plaintext file afterwards (default false). */
  readonly removePlaintext?: boolean;
}

/** What {@link encryptModelFolder} wrote. */
export interface EncryptModelFolderResult {
  /** The manifest written: `file` names the encrypted file, `sha256` is the ciphertext's. */
  readonly manifest: ModelManifest;
  /** Path of the encrypted file. */
  readonly encryptedFile: string;
  /** Whether the plaintext file was deleted. */
  readonly removedPlaintext: boolean;
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  if (!isNode()) {
    throw new ServableError('UNSUPPORTED_CAPABILITY', 'encryptModelFolder: expected Node.js, got another environment — call encryptModel() on the bytes instead');
  }
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  return { fs: (await import(/* @vite-ignore */ fsName)) as Fs, path: (await import(/* @vite-ignore */ pathName)) as Path };
}

async function writeAtomically(fs: Fs, target: string, data: Uint8Array | string): Promise<void> {
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(temp, data, { mode: 0o644 });
    await fs.rename(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
}

/**
 * Encrypts a model folder's main file (Node): writes `model.<ext>.enc` (AES-256-GCM, see
 * `encryptModel`) and a `servable.json` whose `file`, `sha256` (of the ciphertext) and
 * `encryption` header describe it. Plaintext is never written; the source's sha256 is
 * checked first so a corrupted model is not sealed. Models with extra files (`files`:
 * external data, weight shards) are refused, as those files would stay readable.
 *
 * @example
 * ```ts
 * const key = generateModelKey();
 * await encryptModelFolder('models/mnist/1', { key, keyId: 'mnist-2024', outDir: 'dist/mnist/1' });
 * ```
 * @throws ServableError `MODEL_NOT_FOUND`, `MANIFEST_INVALID`, `MODEL_INTEGRITY`, `INVALID_ARGUMENT`, `UNSUPPORTED_CAPABILITY`
 */
export async function encryptModelFolder(folder: string, options: EncryptModelFolderOptions): Promise<EncryptModelFolderResult> {
  const { fs, path } = await nodeModules();
  const dir = path.resolve(folder);
  let manifestText: string;
  try {
    manifestText = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new ServableError('MODEL_NOT_FOUND', `model folder "${folder}": expected ${MANIFEST_FILE}, got none — write a manifest (name, version, format, file) first`, { cause });
  }
  const manifest = parseManifest(manifestText);
  if (manifest.encryption) {
    throw new ServableError('INVALID_ARGUMENT', `model "${manifest.name}@${manifest.version}": expected a plaintext model, got one already encrypted with key "${manifest.encryption.keyId}"`);
  }
  if (manifest.files && manifest.files.length > 0) {
    throw new ServableError(
      'UNSUPPORTED_CAPABILITY',
      `model "${manifest.name}@${manifest.version}": expected a single-file model, got ${manifest.files.length} extra file(s) (${manifest.files.join(', ')}) that would stay unencrypted — embed external data in the model file first`,
    );
  }
  const encryptedName = `${manifest.file}.enc`;
  if (!isSafeRelativePath(encryptedName)) {
    throw new ServableError('MANIFEST_INVALID', `servable.json "file": expected a relative path inside the folder, got "${manifest.file}"`);
  }
  const plaintext = new Uint8Array(await fs.readFile(path.join(dir, manifest.file)));
  if (manifest.sha256) await verifySha256(plaintext, manifest.sha256, `model file "${manifest.file}"`);
  const { ciphertext, header } = await encryptModel(plaintext, { key: options.key, keyId: options.keyId, name: manifest.name, version: manifest.version, format: manifest.format });
  plaintext.fill(0);
  const out = options.outDir === undefined ? dir : path.resolve(options.outDir);
  const written: ModelManifest = { ...manifest, file: encryptedName, sha256: await sha256Hex(ciphertext), encryption: header };
  const encryptedFile = path.join(out, encryptedName);
  await fs.mkdir(path.dirname(encryptedFile), { recursive: true });
  await writeAtomically(fs, encryptedFile, ciphertext);
  await writeAtomically(fs, path.join(out, MANIFEST_FILE), stringifyManifest(written));
  let removedPlaintext = false;
  if (options.removePlaintext && out === dir) {
    await fs.rm(path.join(dir, manifest.file));
    removedPlaintext = true;
  }
  return { manifest: written, encryptedFile, removedPlaintext };
}
