import type { CliIo } from './cli-io.js';

/** One flag of a command, as `node:util` `parseArgs` takes it plus what `--help` shows. */
export interface OptionSpec {
  /** `string` flags take a value; `boolean` flags do not. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias. */
  readonly short?: string;
  /** Repeatable (values collected in an array). */
  readonly multiple?: boolean;
  /** One line for `--help`. */
  readonly description: string;
  /** Placeholder for the value in `--help`, such as `N` or `FILE`. */
  readonly valueName?: string;
  /** Default shown in `--help` and used when the flag is absent. */
  readonly default?: string | boolean;
}

/** A positional argument of a command. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  /** Required unless `false`. */
  readonly required?: boolean;
}

/** What a command receives: parsed flags and positionals. */
export interface CommandArguments {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;
  readonly positionals: readonly string[];
}

/** A `servable` command: its documentation, its flags, and what it does. */
export interface CommandSpec {
  /** Name typed after `servable`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** A paragraph for `servable <name> --help`. */
  readonly description: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Example command lines for `--help`. */
  readonly examples: readonly string[];
  /** Runs the command; resolves with the exit code. Throws `ServableError`s, mapped to exit codes by `main`. */
  run(args: CommandArguments, io: CliIo): Promise<number>;
}
