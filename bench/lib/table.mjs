// Plain-text tables for benchmark output.

/**
 * Prints rows as an aligned table.
 * @param {string[]} header
 * @param {(string | number)[][]} rows
 */
export function printTable(header, rows) {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** `12.3` for microseconds and milliseconds alike. */
export function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}
