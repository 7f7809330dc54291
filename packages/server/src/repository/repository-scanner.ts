import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from '@servable/core';

/** One version folder found on disk. */
export interface VersionFolder {
  /** Version label (the folder name, or `1` for a model folder that is itself a version). */
  readonly version: string;
  /** Absolute folder path. */
  readonly path: string;
  /** Changes whenever a file of the folder changes (names, sizes, modification times). */
  readonly fingerprint: string;
}

const MODEL_FILES = [MANIFEST_FILE, 'model.onnx', 'model.json'];

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function fingerprintOf(dir: string): Promise<{ fingerprint: string; modelFile: boolean }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const parts: string[] = [];
  let modelFile = false;
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isFile()) continue;
    if (MODEL_FILES.includes(e.name)) modelFile = true;
    try {
      const s = await stat(join(dir, e.name));
      parts.push(`${e.name}:${s.size}:${s.mtimeMs}`);
    } catch {
      parts.push(`${e.name}:gone`);
    }
  }
  return { fingerprint: parts.join('|'), modelFile };
}

/** Lists the model folders of a repository (sub-folders whose names are valid model names). */
export async function listModelFolders(repository: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(repository, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Lists the versions of one model folder: sub-folders named by a version label that hold
 * `servable.json`, `model.onnx` or `model.json`. A model folder that holds a model file itself
 * is one version, `1`.
 */
export async function listVersionFolders(modelDir: string): Promise<VersionFolder[]> {
  if (!(await isDirectory(modelDir))) return [];
  const own = await fingerprintOf(modelDir);
  if (own.modelFile) return [{ version: '1', path: modelDir, fingerprint: own.fingerprint }];
  const entries = await readdir(modelDir, { withFileTypes: true });
  const out: VersionFolder[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(e.name)) continue;
    const path = join(modelDir, e.name);
    try {
      const f = await fingerprintOf(path);
      if (f.modelFile) out.push({ version: e.name, path, fingerprint: f.fingerprint });
    } catch {
      // The folder vanished while being listed: the next scan sees the new state.
    }
  }
  return out;
}
