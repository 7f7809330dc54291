import { ServableError } from '@servable/core';
import { COMMANDS } from '../commands/index.js';
import type { CliIo } from './cli-io.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { formatCommandHelp, formatMainHelp } from './help.js';
import { parseCommandLine } from './parse-command-line.js';
import { CLI_VERSION } from './version.js';

function describeError(e: unknown): string {
  if (ServableError.isInstance(e)) return `error ${e.code}: ${e.message}`;
  const err = e as Error;
  return `error: ${err?.message ?? String(e)}`;
}

/**
 * Runs the `servable` command line: dispatches to a command, prints help and versions, and
 * turns errors into messages on stderr and exit codes (0 ok, 1 runtime failure, 2 usage error,
 * 3 model or integrity error).
 * @param argv - arguments after the program name
 * @param io - streams and environment
 * @returns the exit code
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const spec = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    if (topic && !spec) {
      io.stderr.write(`error INVALID_ARGUMENT: help topic "${topic}": expected one of ${COMMANDS.map((c) => c.name).join(', ')}, got an unknown command\n`);
      return EXIT_USAGE;
    }
    io.stdout.write(spec ? formatCommandHelp(spec) : formatMainHelp(COMMANDS, CLI_VERSION));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${CLI_VERSION}\n`);
    return EXIT_OK;
  }
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) {
    io.stderr.write(
      `error INVALID_ARGUMENT: command "${first}": expected one of ${COMMANDS.map((c) => c.name).join(', ')}, got an unknown command — run servable --help\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const args = parseCommandLine(spec, rest);
    if (args.values.help === true) {
      io.stdout.write(formatCommandHelp(spec));
      return EXIT_OK;
    }
    return await spec.run(args, io);
  } catch (e) {
    io.stderr.write(`${describeError(e)}\n`);
    if (io.env.SERVABLE_DEBUG && (e as Error)?.stack) io.stderr.write(`${(e as Error).stack}\n`);
    return exitCodeFor(e);
  }
}
