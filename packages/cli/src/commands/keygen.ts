import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportModelKey, generateModelKey, ServableError } from '@servable/core';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { booleanOption, stringOption } from '../cli/parse-command-line.js';

/** The part of `@servable/server` that API keys need. */
interface ApiKeyModule {
  generateApiKey(): string;
  hashApiKey(key: string): Promise<string>;
  validateScope(scope: unknown, subject: string): string;
}

async function apiKey(args: Parameters<CommandSpec['run']>[0], io: Parameters<CommandSpec['run']>[1]): Promise<number> {
  const id = stringOption(args, 'id');
  if (!id) throw new ServableError('INVALID_ARGUMENT', 'flag --id: expected the name of the key\'s holder with --api-key (such as --id billing-service), got none');
  const scopes = (args.values.scope as string[] | undefined) ?? ['infer', 'metadata'];
  const server = (await import(/* @vite-ignore */ '@servable/server' as string)) as ApiKeyModule;
  scopes.forEach((s, i) => server.validateScope(s, `flag --scope #${i + 1}`));
  const key = server.generateApiKey();
  const entry = { id, hash: await server.hashApiKey(key), scopes };
  const out = stringOption(args, 'out');
  if (out) {
    const path = resolve(io.cwd, out);
    if (existsSync(path) && !booleanOption(args, 'force')) {
      throw new ServableError('INVALID_ARGUMENT', `flag --out "${out}": expected a new file, got one that exists — pass --force to overwrite it`);
    }
    writeFileSync(path, key + '\n', { mode: 0o600 });
    io.stderr.write(`wrote the API key to ${out} (mode 0600); give it to "${id}" and keep no other copy\n`);
  } else {
    io.stderr.write(`API key for "${id}" (shown once; the server stores only its hash):\n${key}\n`);
  }
  io.stderr.write('add this entry to "apiKeys" in the file given to servable serve --auth:\n');
  io.stdout.write(JSON.stringify(entry) + '\n');
  return EXIT_OK;
}

/** `servable keygen`: a new AES-256 model key. */
export const keygenCommand: CommandSpec = {
  name: 'keygen',
  summary: 'Make a model key for servable encrypt, or an API key and its hash for servable serve --auth',
  description:
    'Generates 32 random bytes with WebCrypto and writes them as base64 (or hex) text to --out with mode 0600, or to stdout\n' +
    'when --out is omitted. The key id printed on stderr is derived from the key (it names the key without revealing it) and\n' +
    'is what an encrypted model\'s servable.json records. Keep the key in a secret store; anyone holding it can decrypt.\n' +
    'With --api-key it makes a client API key instead: the key goes to stderr (or --out) and the {id, hash, scopes} entry\n' +
    'for the --auth file of servable serve goes to stdout; the hash is scrypt, the key itself is never stored.',
  positionals: [],
  options: {
    out: { type: 'string', short: 'o', valueName: 'FILE', description: 'write the key to this file (mode 0600) instead of stdout' },
    encoding: { type: 'string', valueName: 'base64|hex', default: 'base64', description: 'text encoding of the key' },
    force: { type: 'boolean', description: 'overwrite an existing --out file' },
    'api-key': { type: 'boolean', description: 'make a client API key and its auth entry instead of a model key' },
    id: { type: 'string', valueName: 'NAME', description: 'with --api-key: who holds the key' },
    scope: { type: 'string', multiple: true, valueName: 'SCOPE', description: 'with --api-key: action[:model] granted, repeatable (default infer and metadata on every model)' },
  },
  examples: ['servable keygen --out key.txt', 'servable keygen --encoding hex > key.txt', 'servable keygen --api-key --id billing --scope infer:mnist --out billing.key >> entries.jsonl'],
  async run(args, io) {
    if (booleanOption(args, 'api-key')) return apiKey(args, io);
    const encoding = stringOption(args, 'encoding');
    if (encoding !== 'base64' && encoding !== 'hex') {
      throw new ServableError('INVALID_ARGUMENT', `flag --encoding: expected base64 or hex, got "${encoding}"`);
    }
    const key = generateModelKey();
    const exported = await exportModelKey(key, { encoding });
    key.fill(0);
    const out = stringOption(args, 'out');
    if (out) {
      const path = resolve(io.cwd, out);
      if (existsSync(path) && !booleanOption(args, 'force')) {
        throw new ServableError('INVALID_ARGUMENT', `flag --out "${out}": expected a new file, got one that exists — pass --force to overwrite it (the old key is lost)`);
      }
      writeFileSync(path, exported.text + '\n', { mode: 0o600 });
      io.stdout.write(`key id: ${exported.keyId}\nwrote ${out} (mode 0600)\n`);
    } else {
      io.stdout.write(exported.text + '\n');
      io.stderr.write(`key id: ${exported.keyId}\n`);
    }
    return EXIT_OK;
  },
};
