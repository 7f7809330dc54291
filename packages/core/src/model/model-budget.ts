import { ServableError } from '../errors/servable-error.js';

/** Options of {@link checkModelSize}. */
export interface ModelBudgetOptions {
  /** Most bytes the model may take (its file plus external data). */
  readonly maxBytes: number;
  /** The model, as messages name it. */
  readonly subject?: string;
}

/** `1.50 GiB`, `12.0 MiB`, `72 B` for messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(2)} ${units[unit]}`;
}

/**
 * Refuses a model over a memory budget before anything large is read or allocated.
 * @param bytes - the model's size (file plus external data), for example from {@link modelFolderBytes}
 * @throws ServableError `MODEL_TOO_LARGE` (over the budget), `INVALID_ARGUMENT` (bad budget)
 */
export function checkModelSize(bytes: number, options: ModelBudgetOptions): void {
  const subject = options.subject ?? 'model';
  if (!Number.isFinite(options?.maxBytes) || options.maxBytes <= 0) {
    throw new ServableError('INVALID_ARGUMENT', `option "maxBytes": expected a positive number of bytes, got ${String(options?.maxBytes)} — pass the memory you allow the model, such as 4 * 2 ** 30`);
  }
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new ServableError('INVALID_ARGUMENT', `checkModelSize(bytes) for ${subject}: expected a size in bytes, got ${String(bytes)}`);
  }
  if (bytes > options.maxBytes) {
    throw new ServableError(
      'MODEL_TOO_LARGE',
      `${subject}: expected at most ${formatBytes(options.maxBytes)} (the memory budget), got ${formatBytes(bytes)} — raise the budget, or serve a quantized (int8/int4) or smaller export`,
      { details: { subject, expected: String(options.maxBytes), received: String(bytes) } },
    );
  }
}

/**
 * Bytes of every file in a model folder (the `.onnx` file and its external data), without
 * reading them. Node only.
 * @throws ServableError `MODEL_NOT_FOUND` when the folder does not exist, `UNSUPPORTED_CAPABILITY` outside Node
 */
export async function modelFolderBytes(folder: string): Promise<number> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (!isNode) throw new ServableError('UNSUPPORTED_CAPABILITY', 'modelFolderBytes(folder): expected Node.js, got another platform — measure the files where they are served');
  // Module names in variables keep browser bundlers from resolving Node built-ins.
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const path = (await import(/* @vite-ignore */ pathName)) as typeof import('node:path');
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (cause) {
      throw new ServableError('MODEL_NOT_FOUND', `model folder "${dir === folder ? folder : path.relative(folder, dir)}": expected a readable folder, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'}`, { cause });
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) total += (await fs.stat(full)).size;
    }
  };
  await walk(folder);
  return total;
}
