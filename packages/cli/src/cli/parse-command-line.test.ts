import { ServableError } from '@servable/core';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from './command.js';
import { integerListOption, integerOption, parseCommandLine } from './parse-command-line.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: '',
  description: '',
  positionals: [{ name: 'model', description: '' }],
  options: { port: { type: 'string', default: '8000', description: '' }, json: { type: 'boolean', description: '' } },
  examples: [],
  run: async () => 0,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return ServableError.isInstance(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
}

describe('parseCommandLine', () => {
  it('fills defaults and keeps positionals', () => {
    const args = parseCommandLine(spec, ['m.onnx', '--json']);
    expect(args.values).toMatchObject({ port: '8000', json: true });
    expect(args.positionals).toEqual(['m.onnx']);
  });

  it('names unknown flags, missing and extra arguments', () => {
    expect(codeOf(() => parseCommandLine(spec, ['m', '--prot', '1']))).toMatch(/^INVALID_ARGUMENT: flag --prot: expected one of --port, --json, got an unknown flag/);
    expect(codeOf(() => parseCommandLine(spec, []))).toMatch(/^INVALID_ARGUMENT: servable demo: expected <model>, got no <model>/);
    expect(codeOf(() => parseCommandLine(spec, ['a', 'b']))).toMatch(/expected at most 1 argument\(s\), got extra "b"/);
    expect(codeOf(() => parseCommandLine(spec, ['a', '--port']))).toMatch(/^INVALID_ARGUMENT: flag --port/);
  });

  it('checks integers and integer lists against their range', () => {
    const args = parseCommandLine(spec, ['m', '--port', '70000']);
    expect(codeOf(() => integerOption('demo', args, 'port', { min: 0, max: 65535 }))).toMatch(/flag --port: expected an integer from 0 to 65535, got "70000"/);
    const list = parseCommandLine({ ...spec, options: { batch: { type: 'string', description: '' } } }, ['m', '--batch', '1,8,x']);
    expect(codeOf(() => integerListOption('demo', list, 'batch', { min: 1, max: 10 }))).toMatch(/flag --batch: expected comma-separated integers/);
  });
});
