import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The markdown files of the repository (README, docs, packages, examples, deploy, bench, fixtures), relative to `root`. */
export function markdownFiles(root: string): string[] {
  const files = ['README.md'];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      if (name === 'node_modules' || name === 'dist' || name === 'api' || name.startsWith('.')) continue;
      const rel = join(dir, name);
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.md')) files.push(rel);
    }
  };
  for (const dir of ['docs', 'packages', 'examples', 'deploy', 'bench', 'fixtures']) walk(dir);
  return files;
}

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block's text, without the fences and without the indentation of the fence. */
  readonly code: string;
  /**
   * Declarations a reader does not need to see, from an HTML comment right above the fence:
   * `<!-- ts-setup: declare const pixels: Uint8Array; -->`.
   */
  readonly setup?: string;
}

/** The fenced blocks of one language (`ts` and `typescript` for TypeScript) in a markdown file. */
export function codeBlocks(root: string, file: string, languages: readonly string[]): CodeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, language] = open as unknown as [string, string, string, string];
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== fence) end++;
    if (languages.includes(language.toLowerCase())) {
      const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join('\n');
      let above = i - 1;
      while (above >= 0 && lines[above]!.trim() === '') above--;
      let setup: string | undefined;
      if (above >= 0 && lines[above]!.trim().endsWith('-->')) {
        let start = above;
        while (start > 0 && !lines[start]!.includes('<!--')) start--;
        const comment = lines.slice(start, above + 1).join('\n');
        const m = /<!--\s*ts-setup:([\s\S]*?)-->/.exec(comment);
        if (m) setup = m[1]!.trim();
      }
      blocks.push({ file, line: i + 1, code, ...(setup ? { setup } : {}) });
    }
    i = end;
  }
  return blocks;
}

/** The TypeScript blocks of a markdown file. */
export function typeScriptBlocks(root: string, file: string): CodeBlock[] {
  return codeBlocks(root, file, ['ts', 'typescript', 'tsx']);
}
