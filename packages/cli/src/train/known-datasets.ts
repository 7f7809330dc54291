import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fashion-MNIST's class names (Zalando Research), by label. */
export const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/**
 * sha256 of the label bytes (after the IDX header, decompressed) of well-known IDX datasets,
 * so their class names come with them whatever folder they sit in or however they are compressed.
 */
const KNOWN_LABEL_FILES: Record<string, { name: string; labels: readonly string[] }> = {
  // Fashion-MNIST train-labels-idx1-ubyte (60,000) and t10k-labels-idx1-ubyte (10,000)
  '657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7': { name: 'Fashion-MNIST', labels: FASHION_MNIST_LABELS },
  '3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9': { name: 'Fashion-MNIST', labels: FASHION_MNIST_LABELS },
};

/** Files beside IDX data that name the classes, one per line. */
export const LABEL_NAME_FILES = ['labels.txt', 'classes.txt'];

/**
 * Class names for IDX labels: a `labels.txt` (or `classes.txt`) beside them, one name per
 * line; else the names of a known dataset recognized by its label bytes; else the label
 * numbers as text. Also says where the names came from.
 */
export function idxClassNames(dir: string, labels: Uint8Array): { labels: string[]; from: string } {
  for (const file of LABEL_NAME_FILES) {
    const p = join(dir, file);
    if (existsSync(p)) {
      const names = readFileSync(p, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      return { labels: names, from: file };
    }
  }
  const known = KNOWN_LABEL_FILES[createHash('sha256').update(labels).digest('hex')];
  if (known) return { labels: [...known.labels], from: known.name };
  let max = 0;
  for (const l of labels) max = Math.max(max, l);
  return { labels: Array.from({ length: max + 1 }, (_, i) => String(i)), from: 'the label numbers' };
}
