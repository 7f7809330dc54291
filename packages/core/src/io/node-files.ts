import { ServableError } from '../errors/servable-error.js';

/** The few file-system calls core needs, loaded only when a path is used (never in browsers). */
export interface NodeFiles {
  readFile(path: string): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  isDirectory(path: string): Promise<boolean>;
  size(path: string): Promise<number>;
  exists(path: string): Promise<boolean>;
  resolve(...parts: string[]): string;
  dirname(path: string): string;
  basename(path: string): string;
  /** True when `child` lies inside `parent` once both are resolved. */
  isInside(parent: string, child: string): boolean;
}

let cached: Promise<NodeFiles> | undefined;

/** True in Node.js (and Bun/Deno's Node mode). */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/** Loads the Node file helpers; throws `UNSUPPORTED_CAPABILITY` outside Node. */
export function nodeFiles(): Promise<NodeFiles> {
  if (!isNode()) {
    return Promise.reject(
      new ServableError('UNSUPPORTED_CAPABILITY', 'model source: expected a URL or bytes in a browser, got a file path — serve the model folder over HTTP and pass its URL'),
    );
  }
  cached ??= (async () => {
    const fsName = 'node:fs/promises';
    const pathName = 'node:path';
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
    const path = (await import(/* @vite-ignore */ pathName)) as typeof import('node:path');
    return {
      readFile: async (p) => new Uint8Array(await fs.readFile(p)),
      readText: (p) => fs.readFile(p, 'utf8'),
      isDirectory: async (p) => (await fs.stat(p)).isDirectory(),
      size: async (p) => (await fs.stat(p)).size,
      exists: async (p) => {
        try {
          await fs.stat(p);
          return true;
        } catch {
          return false;
        }
      },
      resolve: (...parts) => path.resolve(...parts),
      dirname: (p) => path.dirname(p),
      basename: (p) => path.basename(p),
      isInside: (parent, child) => {
        const rel = path.relative(path.resolve(parent), path.resolve(child));
        return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
      },
    } satisfies NodeFiles;
  })();
  return cached;
}
