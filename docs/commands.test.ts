import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, markdownFiles } from './markdown.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@12.4.2';
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

/** Built-in commands that run the package script of the same name rather than shadowing it. */
const RUN_SCRIPTS = new Set(['test', 't', 'tst', 'start', 'stop', 'restart', 'clean', 'purge']);

/** pnpm's built-in commands and their aliases, from the pinned pnpm's own `help`. */
function pnpmCommands(): Set<string> {
  const viaPnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, [process.env.npm_execpath, 'help']] : undefined;
  const [cmd, args] = (viaPnpm ?? ['npx', ['-y', PNPM, 'help']]) as [string, string[]];
  const run = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  const names = new Set<string>();
  let inCommands = false;
  for (const line of (run.stdout ?? '').split('\n')) {
    if (/^Commands:/.test(line)) inCommands = true;
    else if (/^\S/.test(line)) inCommands = false;
    const m = inCommands ? /^ {2}([a-z][\w-]*)\s{2,}.*?(?:\[alias(?:es)?: ([^\]]+)\])?\s*$/.exec(line) : null;
    if (!m) continue;
    names.add(m[1]!);
    for (const alias of m[2]?.split(',') ?? []) names.add(alias.trim());
  }
  return names;
}

/** Every shell command of the markdown files, with where it is. */
function shellCommands(): { where: string; command: string }[] {
  const out: { where: string; command: string }[] = [];
  for (const file of markdownFiles(root)) {
    for (const block of codeBlocks(root, file, ['sh', 'bash', 'shell', 'console'])) {
      block.code.split('\n').forEach((line, i) => {
        const command = line.replace(/^\$\s+/, '').replace(/\s+#.*$/, '').trim();
        if (command) out.push({ where: `${file}:${block.line + 1 + i}`, command });
      });
    }
  }
  return out;
}

describe('commands in the documentation', () => {
  let builtins: Set<string>;
  beforeAll(() => {
    builtins = pnpmCommands();
  }, 90_000);

  it('reads pnpm\'s own list of built-in commands', () => {
    expect(builtins.has('install')).toBe(true);
    expect(builtins.has('docs')).toBe(true); // "Opens the documentation of a package in the browser"
  });

  it('no root script is shadowed by a pnpm built-in command of the same name', () => {
    const shadowed = scripts.filter((name) => builtins.has(name) && !RUN_SCRIPTS.has(name));
    expect(shadowed).toEqual([]);
  });

  it('every `npx -y pnpm@12.4.2 <name>` runs a root script or a built-in command', () => {
    const wrong: string[] = [];
    for (const { where, command } of shellCommands()) {
      for (const m of command.matchAll(/npx(?: -y)? pnpm@[\d.]+ ((?:-[\w-]+(?:[ =](?:"[^"]*"|\S+))? )*)([\w:-]+)/g)) {
        const name = m[2]!;
        const selectsPackage = /--filter|-F |-C |--dir/.test(m[1] ?? '');
        if (selectsPackage) continue;
        if (builtins.has(name) && !RUN_SCRIPTS.has(name) && scripts.includes(name)) wrong.push(`${where}: "${name}" runs pnpm's built-in command, not the script`);
        else if (!builtins.has(name) && !scripts.includes(name)) wrong.push(`${where}: "${name}" is neither a root script nor a pnpm command`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('commands use the pinned pnpm through npx, never a bare pnpm the machine may not have', () => {
    const bare = shellCommands()
      .filter(({ command }) => /(^|&&|\|\||;|\$\()\s*pnpm\s/.test(command))
      .map(({ where, command }) => `${where}: ${command}`);
    expect(bare).toEqual([]);
  });
});
