import { parseArgs } from 'node:util';
import { ServableError } from '@servable/core';
import type { CommandArguments, CommandSpec } from './command.js';

function usageError(command: string, subject: string, expected: string, received: string, fix?: string): ServableError {
  const hint = fix ?? `see servable ${command} --help`;
  return new ServableError('INVALID_ARGUMENT', `${subject}: expected ${expected}, got ${received} — ${hint}`, {
    details: { subject, expected, received, fix: hint },
  });
}

/**
 * Parses a command's arguments with `node:util` `parseArgs` (strict), fills defaults, and
 * checks the positionals' count.
 * @throws ServableError `INVALID_ARGUMENT` naming the flag, what was expected and what came
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): CommandArguments {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    const message = (e as Error).message;
    const flag = /'([^']+)'/.exec(message)?.[1] ?? 'a flag';
    const code = (e as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw usageError(spec.name, `flag ${flag}`, `one of ${Object.keys(spec.options).map((k) => `--${k}`).join(', ') || '--help'}`, 'an unknown flag');
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw usageError(spec.name, `flag ${flag.split(/[ ,]/)[0]}`, 'a value after it (or no value for a switch)', message.replace(/\.$/, ''));
    }
    throw usageError(spec.name, `servable ${spec.name}`, 'valid flags', message);
  }
  const values: Record<string, string | boolean | string[] | boolean[] | undefined> = { ...(parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>) };
  for (const [name, o] of Object.entries(spec.options)) if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
  if (values.help) return { values, positionals: parsed.positionals };
  const required = spec.positionals.filter((p) => p.required !== false);
  if (parsed.positionals.length < required.length) {
    const missing = required.slice(parsed.positionals.length).map((p) => `<${p.name}>`).join(' ');
    throw usageError(spec.name, `servable ${spec.name}`, `${required.map((p) => `<${p.name}>`).join(' ')}`, `no ${missing}`, `usage: servable ${spec.name} ${spec.positionals.map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`)).join(' ')}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    const extra = parsed.positionals.slice(spec.positionals.length).join(' ');
    throw usageError(spec.name, `servable ${spec.name}`, `at most ${spec.positionals.length} argument(s)`, `extra "${extra}"`);
  }
  return { values, positionals: parsed.positionals };
}

/** Reads a string flag. */
export function stringOption(args: CommandArguments, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag. */
export function booleanOption(args: CommandArguments, name: string): boolean {
  return args.values[name] === true;
}

/**
 * Reads an integer flag within bounds.
 * @throws ServableError `INVALID_ARGUMENT` naming the flag and the range
 */
export function integerOption(command: string, args: CommandArguments, name: string, range: { min: number; max: number }): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw usageError(command, `flag --${name}`, `an integer from ${range.min} to ${range.max}`, `"${raw}"`);
  }
  return n;
}

/**
 * Reads a number flag within bounds.
 * @throws ServableError `INVALID_ARGUMENT` naming the flag and the range
 */
export function numberOption(command: string, args: CommandArguments, name: string, range: { min: number; max: number }): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < range.min || n > range.max) {
    throw usageError(command, `flag --${name}`, `a number from ${range.min} to ${range.max}`, `"${raw}"`);
  }
  return n;
}

/**
 * Reads a comma-separated list of positive integers (`1,8,32`).
 * @throws ServableError `INVALID_ARGUMENT` naming the flag
 */
export function integerListOption(command: string, args: CommandArguments, name: string, range: { min: number; max: number }): number[] | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((p) => p.trim());
  const out = parts.map(Number);
  if (parts.some((p) => !/^\d+$/.test(p)) || out.some((n) => n < range.min || n > range.max)) {
    throw usageError(command, `flag --${name}`, `comma-separated integers from ${range.min} to ${range.max} (such as 1,8,32)`, `"${raw}"`);
  }
  return out;
}

/** Builds the standard usage error for a command. */
export { usageError };
