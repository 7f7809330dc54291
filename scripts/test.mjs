// Runs the whole test suite (vitest, then the type-level tests) and closes with one summary line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { closingLine, summarize } from './test-summary.mjs';

// Reports go to .tmp/ (SERVABLE_TEST_REPORT_DIR moves them, for a run inside a run).
const reportDir = process.env.SERVABLE_TEST_REPORT_DIR ?? '.tmp';
mkdirSync(reportDir, { recursive: true });
const vitest = (args) => spawnSync('npx', ['vitest', ...args], { stdio: 'inherit' }).status ?? 1;
const json = (file) => ['--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
const read = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

const filters = process.argv.slice(2);
const files = [`${reportDir}/vitest.json`, ...(filters.length > 0 ? [] : [`${reportDir}/vitest-types.json`])];
for (const file of files) rmSync(file, { force: true });
const runStatus = vitest(['run', ...json(files[0]), ...filters]);
const typeStatus = filters.length > 0 ? 0 : vitest(['--typecheck.only', 'run', ...json(files[1])]);

const counts = summarize(files.map(read));
for (const { file, message } of counts.failedFiles) console.log(`failed outside any test: ${file}${message ? ` — ${message}` : ''}`);
console.log(`\n${closingLine(counts)}`);
process.exit(runStatus || typeStatus || (counts.failed > 0 ? 1 : 0));
