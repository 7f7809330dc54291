// A small `--name value` / `--flag` parser for the benchmark scripts.

/**
 * @param {Record<string, string | number | boolean>} defaults - every accepted flag with its default
 * @param {string[]} argv
 */
export function parseArgs(defaults, argv = process.argv.slice(2)) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(`flags: ${Object.entries(defaults).map(([k, v]) => `--${k} (${JSON.stringify(v)})`).join(' ')}`);
      process.exit(0);
    }
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown argument ${arg}; accepted: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    const kind = typeof defaults[m[1]];
    if (kind === 'boolean') out[m[1]] = m[2] === undefined ? true : m[2] !== 'false';
    else {
      const raw = m[2] ?? argv[++i];
      if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
      out[m[1]] = kind === 'number' ? Number(raw) : raw;
    }
  }
  return out;
}
