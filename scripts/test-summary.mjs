// Counts a vitest JSON report for the closing line of the test command.
import { relative } from 'node:path';

const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

/**
 * Counts tests by outcome across vitest JSON reports. A file that failed outside any test (an
 * import that throws, a failing beforeAll) counts as one failure, and the tests it never ran do
 * not count as skipped. A missing or unreadable report counts as one failure.
 * @param {Array<object | undefined>} reports - parsed `--reporter=json` outputs (undefined: missing)
 * @param {string} [root] - paths in `failedFiles` are relative to it
 * @returns {{ passed: number, failed: number, skipped: number, failedFiles: { file: string, message: string }[] }}
 */
export function summarize(reports, root = process.cwd()) {
  const total = { passed: 0, failed: 0, skipped: 0, failedFiles: [] };
  for (const report of reports) {
    if (!report || !Array.isArray(report.testResults)) {
      total.failed += 1;
      total.failedFiles.push({ file: '(no report)', message: 'the test run wrote no JSON report' });
      continue;
    }
    for (const file of report.testResults) {
      const states = (file.assertionResults ?? []).map((a) => a.status);
      const failedTests = states.filter((s) => s === 'failed').length;
      if (file.status === 'failed' && failedTests === 0) {
        total.failed += 1;
        total.passed += states.filter((s) => s === 'passed').length;
        total.failedFiles.push({ file: relative(root, file.name), message: String(file.message ?? '').split('\n')[0] });
        continue;
      }
      total.failed += failedTests;
      total.passed += states.filter((s) => s === 'passed').length;
      total.skipped += states.filter((s) => SKIPPED.has(s)).length;
    }
  }
  return total;
}

/**
 * The closing line: `tests: N passed, N failed, N skipped`.
 * @param {{ passed: number, failed: number, skipped: number }} counts
 */
export function closingLine(counts) {
  return `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}
