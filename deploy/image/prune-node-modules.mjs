// Removes from node_modules/.pnpm every package that the given workspace packages cannot reach
// through their dependency links (pnpm's --prod install keeps the whole lockfile's production set).
//   node deploy/image/prune-node-modules.mjs <root> <package dir>...
import { existsSync, lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const [rootArg, ...packageArgs] = process.argv.slice(2);
const root = realpathSync(resolve(rootArg));
const packages = packageArgs.map((p) => resolve(p));
const store = join(root, 'node_modules/.pnpm');
const reached = new Set();

/** The .pnpm entry (first path part below .pnpm) a real path lies in. */
const entryOf = (real) => (real.startsWith(store + sep) ? relative(store, real).split(sep)[0] : undefined);

function visitLinks(modules) {
  if (!existsSync(modules)) return;
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    const links = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => join(modules, name, n)) : [join(modules, name)];
    for (const link of links) {
      if (!existsSync(link)) continue;
      const entry = entryOf(realpathSync(link));
      if (entry === undefined || reached.has(entry)) continue;
      reached.add(entry);
      visitLinks(join(store, entry, 'node_modules'));
    }
  }
}

for (const p of packages) visitLinks(join(p, 'node_modules'));
if (reached.size === 0) {
  console.error(`prune-node-modules: the packages ${packageArgs.join(', ')} reach nothing in ${store} — refusing to empty it`);
  process.exit(1);
}
let removed = 0;
for (const entry of readdirSync(store)) {
  if (entry === 'node_modules' || entry.startsWith('.') || reached.has(entry) || !lstatSync(join(store, entry)).isDirectory()) continue;
  rmSync(join(store, entry), { recursive: true, force: true });
  removed++;
}
const hoisted = join(store, 'node_modules');
if (existsSync(hoisted)) {
  for (const name of readdirSync(hoisted)) {
    const links = name.startsWith('@') ? readdirSync(join(hoisted, name)).map((n) => join(hoisted, name, n)) : [join(hoisted, name)];
    for (const link of links) if (!existsSync(link)) rmSync(link, { force: true });
  }
}
console.log(`prune-node-modules: kept ${reached.size} packages, removed ${removed}`);
