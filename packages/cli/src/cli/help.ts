import type { CommandSpec } from './command.js';
import { EXIT_CODE_TABLE } from './exit-codes.js';

function exitCodes(): string {
  return ['Exit codes:', ...EXIT_CODE_TABLE.map(([code, text]) => `  ${code}  ${text}`)].join('\n');
}

/** `--help` text of one command: usage, description, arguments, flags with defaults, examples, exit codes. */
export function formatCommandHelp(spec: CommandSpec): string {
  const positionals = spec.positionals.map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`)).join(' ');
  const lines = [`Usage: servable ${spec.name}${positionals ? ` ${positionals}` : ''}${Object.keys(spec.options).length ? ' [flags]' : ''}`, '', spec.description, ''];
  if (spec.positionals.length) {
    lines.push('Arguments:');
    const w = Math.max(...spec.positionals.map((p) => p.name.length));
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(w)}  ${p.description}`);
    lines.push('');
  }
  const flags = Object.entries(spec.options).map(([name, o]) => {
    const head = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [head, `${o.description}${def}`] as const;
  });
  flags.push(['-h, --help', 'show this help']);
  const w = Math.max(...flags.map(([h]) => h.length));
  lines.push('Flags:', ...flags.map(([h, d]) => `  ${h.padEnd(w)}  ${d}`), '');
  if (spec.examples.length) lines.push('Examples:', ...spec.examples.map((e) => `  ${e}`), '');
  lines.push(exitCodes(), '');
  return lines.join('\n');
}

/** `servable --help`: the command list and exit codes. */
export function formatMainHelp(commands: readonly CommandSpec[], version: string): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    `servable ${version} — turn a trained model into a service`,
    '',
    'Usage: servable <command> [arguments] [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Run "servable <command> --help" for a command\'s arguments and flags.',
    '',
    'Global flags:',
    '  -h, --help     show help',
    '  -v, --version  print the version',
    '',
    exitCodes(),
    '',
  ].join('\n');
}
