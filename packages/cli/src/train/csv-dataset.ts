import { readFileSync } from 'node:fs';
import { ServableError } from '@servable/core';
import { parse } from 'csv-parse/sync';
import { splitHeldOut, type Examples } from './dataset-split.js';

/** Column names taken as the label when the spec does not name one (case-insensitive). */
const LABEL_COLUMNS = ['label', 'class', 'target', 'y'];

/** A CSV read for training: features, integer labels, and the label names found in the file. */
export interface CsvDataset extends Examples {
  readonly test?: Examples;
  readonly labels: readonly string[];
  /** True when the labels were integers, so the names are only their numbers. */
  readonly labelsAreNumbers: boolean;
  readonly description: string;
}

/**
 * Reads a CSV with a header row: one column is the label (`labelColumn`, else one named
 * label/class/target/y, else the last), every other column is a numeric feature. Labels that
 * are all non-negative integers stay numbers (names "0", "1", …); otherwise the distinct
 * values, sorted, are the class names and each row's label is its index among them.
 * @param path - the file
 * @param shown - the file as the user named it
 * @param inputShape - the model's input shape; its size must equal the number of features
 * @param options - `seed` shuffles, a tenth is held out, `limit` caps the training rows
 * @throws ServableError `INVALID_INPUT` naming the file, row and column that is wrong
 */
export function loadCsvDataset(
  path: string,
  shown: string,
  inputShape: readonly number[],
  options: { labelColumn?: string; seed: number; limit?: number },
): CsvDataset {
  const subject = `CSV "${shown}"`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ServableError('INVALID_INPUT', `${subject}: expected a readable file, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'} — check the path`, { cause });
  }
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: false }) as string[][];
  } catch (cause) {
    throw new ServableError('INVALID_INPUT', `${subject}: expected comma-separated rows of the same length, got ${(cause as Error).message}`, { cause });
  }
  const [header, ...body] = rows;
  if (!header || body.length === 0) throw new ServableError('INVALID_INPUT', `${subject}: expected a header row and at least one data row, got ${rows.length} row(s)`);
  const wanted = options.labelColumn;
  let labelIndex = wanted !== undefined ? header.indexOf(wanted) : header.findIndex((h) => LABEL_COLUMNS.includes(h.toLowerCase()));
  if (wanted !== undefined && labelIndex < 0) {
    throw new ServableError('INVALID_INPUT', `${subject}: expected a column "${wanted}" for the labels, got columns ${header.map((h) => `"${h}"`).join(', ')}`);
  }
  if (labelIndex < 0) labelIndex = header.length - 1;
  const features = header.filter((_, i) => i !== labelIndex);
  const perExample = inputShape.reduce((a, b) => a * b, 1);
  if (perExample !== features.length) {
    throw new ServableError(
      'INVALID_ARGUMENT',
      `model spec inputShape [${inputShape.join(', ')}]: expected ${features.length} values per example to match the ${features.length} feature columns of ${subject}, got ${perExample} — use [${features.length}]`,
    );
  }
  const values = new Float32Array(body.length * features.length);
  const rawLabels: string[] = new Array(body.length);
  body.forEach((row, r) => {
    let k = 0;
    row.forEach((cell, c) => {
      if (c === labelIndex) {
        rawLabels[r] = cell;
        return;
      }
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) {
        throw new ServableError('INVALID_INPUT', `${subject} row ${r + 2} column "${header[c]}": expected a number, got ${JSON.stringify(cell)} — feature columns hold numbers; name the label column with "label" in the spec's data`);
      }
      values[r * features.length + k++] = v;
    });
  });
  const integers = rawLabels.every((l) => /^\d+$/.test(l));
  let names: string[];
  let y: number[];
  if (integers) {
    y = rawLabels.map(Number);
    names = Array.from({ length: Math.max(...y) + 1 }, (_, i) => String(i));
  } else {
    names = [...new Set(rawLabels)].sort();
    const index = new Map(names.map((n, i) => [n, i]));
    y = rawLabels.map((l) => index.get(l)!);
  }
  const { train, test, trainCount, testCount } = splitHeldOut(values, y, features.length, inputShape, options);
  return {
    ...train,
    ...(test ? { test } : {}),
    labels: names,
    labelsAreNumbers: integers,
    description: `${trainCount} rows of ${shown} (${features.length} features, label column "${header[labelIndex]}", ${names.length} classes${testCount ? `, ${testCount} held out` : ''})`,
  };
}
