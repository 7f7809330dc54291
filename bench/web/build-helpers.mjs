// Shared by the bench scripts: the repository root and a dist check for the packages measured.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Builds packages/<name>/dist with tsup when it is missing (waits for a build in progress first). */
export async function ensureDist(name) {
  const dir = join(REPO, 'packages', name);
  const entry = join(dir, 'dist', 'index.js');
  for (let i = 0; i < 30 && !existsSync(entry) && existsSync(join(dir, 'dist')); i++) await new Promise((r) => setTimeout(r, 1000));
  if (existsSync(entry)) return;
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: dir, stdio: 'inherit' });
}
