// Runs the whole test suite (vitest, then the type-level tests) and closes with one summary line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('.tmp', { recursive: true });
const vitest = (args) => spawnSync('npx', ['vitest', ...args], { stdio: 'inherit' }).status ?? 1;

const runStatus = vitest(['run', '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest.json', ...process.argv.slice(2)]);
const typeStatus = process.argv.length > 2 ? 0 : vitest(['--typecheck.only', 'run']);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync('.tmp/vitest.json', 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + (report.numTodoTests ?? 0);
} catch {
  failed += 1;
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(runStatus || typeStatus || (failed > 0 ? 1 : 0));
