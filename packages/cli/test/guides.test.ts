import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli/parse-command-line.js';
import { COMMANDS } from '../src/commands/index.js';
import { ROOT } from './helpers/built-cli.js';

const GUIDES = join(ROOT, 'docs/guides');
const guides = readdirSync(GUIDES).filter((f) => f.endsWith('.md'));

/** Splits a shell command line into words (single and double quotes, no expansion); redirections and pipes end the command. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

describe('docs/guides', () => {
  it('has the guides the docs link to, and every relative link resolves', () => {
    expect(guides).toEqual(expect.arrayContaining(['quick-start.md', 'train-and-serve-mnist.md', 'embedding-a-predictor.md', 'server-and-protocol.md', 'security.md', 'deployment-kubernetes-kserve.md', 'performance-tuning.md']));
    for (const g of guides) {
      const text = readFileSync(join(GUIDES, g), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        expect(existsSync(resolve(dirname(join(GUIDES, g)), target!)), `${g} → ${target}`).toBe(true);
      }
    }
  });

  it('uses only commands and flags that the CLI accepts', () => {
    let checked = 0;
    for (const g of guides) {
      const text = readFileSync(join(GUIDES, g), 'utf8');
      for (const line of text.split('\n')) {
        const at = line.indexOf('node packages/cli/dist/bin.js ');
        if (at < 0 || line.trimStart().startsWith('|')) continue;
        const all = words(line.slice(at).replace(/`.*$/, ''));
        const end = all.findIndex((w) => /^(\d?>>?|\||&&?|;)/.test(w));
        const argv = (end < 0 ? all : all.slice(0, end)).slice(2);
        const spec = COMMANDS.find((c) => c.name === argv[0]);
        expect(spec, `${g}: ${line}`).toBeDefined();
        expect(() => parseCommandLine(spec!, argv.slice(1)), `${g}: ${line}`).not.toThrow();
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});
