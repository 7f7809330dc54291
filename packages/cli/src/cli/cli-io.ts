/** Where a command writes and what it knows about its terminal; tests pass their own. */
export interface CliIo {
  /** Results (tables, JSON). */
  readonly stdout: { write(text: string): unknown };
  /** Progress, warnings and errors. */
  readonly stderr: { write(text: string): unknown };
  /** True when stderr is a terminal, so progress bars redraw in place. */
  readonly interactive: boolean;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory that relative paths are resolved against. */
  readonly cwd: string;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stderr.isTTY) && process.env.CI === undefined,
    env: process.env,
    cwd: process.cwd(),
  };
}
