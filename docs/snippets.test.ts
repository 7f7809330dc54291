import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownFiles, typeScriptBlocks, type CodeBlock } from './markdown.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `@servable/<pkg>[/<sub>]` → the source file behind the `types` of that export, so snippets compile without a build. */
function servablePaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkgFile = join(root, 'packages', dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; exports?: Record<string, { import?: { types?: string } } | string> };
    for (const [key, target] of Object.entries(pkg.exports ?? {})) {
      const types = typeof target === 'object' ? target.import?.types : undefined;
      if (!types) continue;
      const source = join(root, 'packages', dir, types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
      if (existsSync(source)) paths[pkg.name + key.slice(1)] = [source];
    }
  }
  return paths;
}

/** The compiler options a user of the packages would have: the workspace's strict settings. */
function snippetOptions(): ts.CompilerOptions {
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, root);
  return {
    ...parsed.options,
    strict: true,
    noEmit: true,
    declaration: false,
    isolatedModules: true,
    skipLibCheck: true,
    baseUrl: root,
    paths: servablePaths(),
    typeRoots: [join(root, 'node_modules/@types')],
  };
}

interface Snippet {
  /** Where the virtual file sits: beside the markdown, so its imports resolve as they would for a reader there. */
  readonly fileName: string;
  readonly block: CodeBlock;
  /** Lines of setup before the block's code in the virtual file. */
  readonly offset: number;
}

function compileSnippets(blocks: readonly CodeBlock[]): string[] {
  const snippets: Snippet[] = blocks.map((block, i) => {
    const header = block.setup ? `${block.setup}\n` : '';
    return { fileName: join(root, dirname(block.file), `__snippet_${i}__.ts`), block, offset: header.split('\n').length - 1 };
  });
  const texts = new Map(snippets.map((s) => [s.fileName, `${s.block.setup ? `${s.block.setup}\n` : ''}${s.block.code}\nexport {};\n`]));
  const options = snippetOptions();
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, create) => {
    const text = texts.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => texts.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => texts.get(name) ?? readFile(name);
  const program = ts.createProgram([...texts.keys()], options, host);
  const problems: string[] = [];
  for (const s of snippets) {
    const sf = program.getSourceFile(s.fileName)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      const where = line < s.offset ? `${s.block.file}:${s.block.line} (setup)` : `${s.block.file}:${s.block.line + 1 + line - s.offset}`;
      problems.push(`${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return problems;
}

/** A snippet that misuses the API, compiled with the others: its error must come back with its markdown line. */
const MISUSE: CodeBlock = {
  file: 'docs/misuse.md',
  line: 7,
  code: [
    "import { createPredictor, type Model } from '@servable/core';",
    'declare const model: Model;',
    "const result = await createPredictor(model).predict([[1, 2]], { output: 'classification' });",
    'console.log(result.label);',
  ].join('\n'),
};

describe('TypeScript snippets of the READMEs and guides', () => {
  const blocks = markdownFiles(root).flatMap((file) => typeScriptBlocks(root, file));
  let problems: string[];
  beforeAll(() => {
    problems = compileSnippets([...blocks, MISUSE]);
  }, 120_000);

  it('finds the snippets, the README program among them', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.some((b) => b.file === 'README.md' && b.code.includes('createPredictor'))).toBe(true);
  });

  it('every snippet compiles with --strict against the packages', () => {
    expect(problems.filter((p) => !p.startsWith(`${MISUSE.file}:`))).toEqual([]);
  });

  it('a snippet that misuses the API is reported with its markdown line', () => {
    const misuse = problems.filter((p) => p.startsWith(`${MISUSE.file}:`));
    expect(misuse).toHaveLength(1);
    expect(misuse[0]).toMatch(/^docs\/misuse\.md:11: TS2339 Property 'label' does not exist on type 'Classification \| Classification\[\]'/);
  });
});
