import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ServableError, type BatcherOptions, type Model } from '@servable/core';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { booleanOption, integerOption, stringOption } from '../cli/parse-command-line.js';
import { formatTable } from '../cli/table.js';
import { formatRuntimeList, parseRuntimeList } from '../engines/runtime-chain.js';

/** The part of `@servable/server` that `serve` uses. */
interface ServerModule {
  createServer(options: {
    repository: string;
    port: number;
    host: string;
    grpcPort?: number;
    admin: boolean;
    workers?: number;
    runtimes?: readonly string[];
    batching: BatcherOptions | false;
    pollIntervalMs?: number;
    models?: Record<string, unknown>;
    auth?: Record<string, unknown>;
    tls?: { keyFile: string; certFile: string };
    cors?: { origins: string[] | '*' };
    decrypt?: { file: string } | { env: string };
    drainTimeoutMs?: number;
    logger: boolean;
  }): Promise<ServerHandle>;
  handleShutdownSignals(server: { close(): Promise<void> }, options: { exit: (code: number) => void }): () => void;
}

interface ServerHandle {
  listen(): Promise<string>;
  close(): Promise<void>;
  readonly grpcPort: number | undefined;
  readonly registry: {
    modelNames(): string[];
    versions(name: string): { name: string; version: string; state: string; error?: string; model?: Model }[];
    modelError(name: string): string | undefined;
  };
}

/** Flags of `servable serve`, exported so deployment checks can compare container arguments with them. */
export const SERVE_OPTIONS = {
  port: { type: 'string', short: 'p', valueName: 'PORT', default: '8000', description: 'HTTP port (0 picks a free one)' },
  host: { type: 'string', valueName: 'HOST', default: '0.0.0.0', description: 'interface to bind (127.0.0.1 for this machine only)' },
  'grpc-port': { type: 'string', valueName: 'PORT', description: 'also serve the Open Inference Protocol over gRPC on this port (off when omitted)' },
  admin: { type: 'boolean', description: 'enable the repository routes /v2/repository/... (load, unload, index)' },
  workers: { type: 'string', valueName: 'N', description: 'worker threads per model version (default 1); inference never runs on the thread that answers health checks' },
  runtime: { type: 'string', valueName: 'LIST', description: 'runtime chain for every model, such as onnx-node:cuda,onnx-node (default onnx-node; a model\'s config.json wins)' },
  'max-batch': { type: 'string', valueName: 'N', default: '32', description: 'largest batch the dynamic batcher forms; 1 turns batching off' },
  'batch-delay-ms': { type: 'string', valueName: 'MS', default: '2', description: 'longest a request waits for others to join its batch' },
  config: { type: 'string', valueName: 'FILE', description: 'JSON file of per-model settings keyed by model name ({"mnist": {"workers": 2, "batching": {"maxBatchSize": 16}}}); wins over each model\'s config.json' },
  auth: { type: 'string', valueName: 'FILE', description: 'JSON access control: {"apiKeys": [{"id", "hash", "scopes"}], "jwt": {...}, "rateLimit": {"max", "timeWindowMs"}} (off when omitted: every route is open)' },
  'key-file': { type: 'string', valueName: 'FILE', description: 'key (base64 or hex text) of encrypted models, made with servable keygen' },
  'key-env': { type: 'string', valueName: 'VAR', description: 'environment variable holding the key of encrypted models' },
  'tls-cert': { type: 'string', valueName: 'FILE', description: 'serve HTTPS (and gRPC over TLS) with this PEM certificate (with --tls-key)' },
  'tls-key': { type: 'string', valueName: 'FILE', description: 'PEM private key for --tls-cert' },
  cors: { type: 'string', valueName: 'ORIGINS', description: 'allow browsers from these comma-separated origins, or * (off when omitted)' },
  'drain-timeout-ms': { type: 'string', valueName: 'MS', description: 'on SIGTERM, how long requests in flight may take before connections are cut (default 30000)' },
  'poll-interval-ms': { type: 'string', valueName: 'MS', description: 'rescan the repository for new or changed versions this often (off when omitted)' },
  log: { type: 'boolean', description: 'log every request as JSON lines (pino) on stdout' },
} as const satisfies CommandSpec['options'];

function readJsonObject(path: string, flag: string, given: string, example: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ServableError('INVALID_ARGUMENT', `flag --${flag} "${given}": expected a readable JSON file such as ${example}, got ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServableError('INVALID_ARGUMENT', `flag --${flag} "${given}": expected a JSON object such as ${example}, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function modelTable(server: ServerHandle, url: string): { text: string; ready: number } {
  const rows: (string | number)[][] = [];
  let ready = 0;
  for (const name of server.registry.modelNames()) {
    const versions = server.registry.versions(name);
    if (versions.length === 0) rows.push([name, '-', 'UNAVAILABLE', '-', '-', server.registry.modelError(name) ?? 'no version folder']);
    for (const v of versions) {
      if (v.state === 'READY') ready++;
      rows.push([
        name,
        v.version,
        v.state,
        v.model?.report.runtime ?? '-',
        v.model?.report.device ?? '-',
        v.state === 'READY' ? `${url}/v2/models/${name}/versions/${v.version}/infer` : (v.error ?? ''),
      ]);
    }
  }
  return { text: formatTable(['model', 'version', 'state', 'runtime', 'device', 'url'], rows), ready };
}

/** `servable serve <repo>`: the prediction server over a model repository. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve a model repository over HTTP (Open Inference Protocol v2, /predict) and optionally gRPC',
  description:
    'Loads every model of the repository (<repo>/<model>/<version>/ with servable.json or model.onnx; the newest version\n' +
    'unless a config.json pins others), prints a table of models, versions, runtimes and URLs, and serves them:\n' +
    'GET /v2/health/live and /v2/health/ready, model metadata, POST /v2/models/<name>/infer (JSON and binary tensors),\n' +
    'POST /predict, GET /metrics, and the OIP gRPC service with --grpc-port. Requests are batched dynamically.\n' +
    'Access control (--auth), TLS (--tls-cert/--tls-key), CORS (--cors) and keys of encrypted models (--key-file) are off\n' +
    'unless given.\n' +
    'On SIGTERM or SIGINT the server turns readiness off, drains requests in flight, unloads the models and exits 0.',
  positionals: [{ name: 'repo', description: 'the model repository folder' }],
  options: SERVE_OPTIONS,
  examples: [
    'servable serve ./models',
    'servable serve /models --port 8000 --grpc-port 8001 --runtime onnx-node:cuda,onnx-node --max-batch 32 --batch-delay-ms 2',
  ],
  async run(args, io) {
    const repository = resolve(io.cwd, args.positionals[0]!);
    if (!existsSync(repository) || !statSync(repository).isDirectory()) {
      throw new ServableError('MODEL_NOT_FOUND', `model repository "${args.positionals[0]}": expected a folder of <model>/<version>/ folders, got ${existsSync(repository) ? 'a file' : 'a path that does not exist'} — check the path`);
    }
    const port = integerOption('serve', args, 'port', { min: 0, max: 65535 })!;
    const grpcPort = integerOption('serve', args, 'grpc-port', { min: 0, max: 65535 });
    const workers = integerOption('serve', args, 'workers', { min: 1, max: 256 });
    const maxBatch = integerOption('serve', args, 'max-batch', { min: 1, max: 65536 })!;
    const delay = integerOption('serve', args, 'batch-delay-ms', { min: 0, max: 60000 })!;
    const poll = integerOption('serve', args, 'poll-interval-ms', { min: 100, max: 86_400_000 });
    const runtimeList = stringOption(args, 'runtime');
    const runtimes = runtimeList ? formatRuntimeList(parseRuntimeList(runtimeList)).split(',') : undefined;
    const host = stringOption(args, 'host')!;
    const configFile = stringOption(args, 'config');
    const models = configFile ? readJsonObject(resolve(io.cwd, configFile), 'config', configFile, '{"mnist": {"workers": 2}}') : undefined;
    const authFile = stringOption(args, 'auth');
    const auth = authFile ? readJsonObject(resolve(io.cwd, authFile), 'auth', authFile, '{"apiKeys": [{"id": "app", "hash": "scrypt$...", "scopes": ["infer"]}]}') : undefined;
    const tlsCert = stringOption(args, 'tls-cert');
    const tlsKey = stringOption(args, 'tls-key');
    if (Boolean(tlsCert) !== Boolean(tlsKey)) {
      throw new ServableError('INVALID_ARGUMENT', `flag --${tlsCert ? 'tls-key' : 'tls-cert'}: expected it with --${tlsCert ? 'tls-cert' : 'tls-key'}, got only one of the two — pass both PEM files`);
    }
    const keyFile = stringOption(args, 'key-file');
    const keyEnv = stringOption(args, 'key-env');
    if (keyFile && keyEnv) throw new ServableError('INVALID_ARGUMENT', 'flag --key-env: expected either --key-file or --key-env, got both — pick one');
    const corsList = stringOption(args, 'cors');
    const drain = integerOption('serve', args, 'drain-timeout-ms', { min: 0, max: 3_600_000 });
    const serverModule = (await import(/* @vite-ignore */ '@servable/server' as string)) as ServerModule;
    const server = await serverModule.createServer({
      repository,
      port,
      host,
      admin: booleanOption(args, 'admin'),
      batching: maxBatch > 1 ? { maxBatchSize: maxBatch, maxQueueDelayMs: delay } : false,
      logger: booleanOption(args, 'log'),
      ...(grpcPort !== undefined ? { grpcPort } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(runtimes ? { runtimes } : {}),
      ...(poll !== undefined ? { pollIntervalMs: poll } : {}),
      ...(models ? { models } : {}),
      ...(auth ? { auth } : {}),
      ...(tlsCert && tlsKey ? { tls: { certFile: resolve(io.cwd, tlsCert), keyFile: resolve(io.cwd, tlsKey) } } : {}),
      ...(corsList ? { cors: { origins: corsList.trim() === '*' ? '*' : corsList.split(',').map((o) => o.trim()).filter(Boolean) } } : {}),
      ...(keyFile ? { decrypt: { file: resolve(io.cwd, keyFile) } } : keyEnv ? { decrypt: { env: keyEnv } } : {}),
      ...(drain !== undefined ? { drainTimeoutMs: drain } : {}),
    });
    let stopped!: (code: number) => void;
    const done = new Promise<number>((r) => (stopped = r));
    const removeHandlers = serverModule.handleShutdownSignals(server, { exit: (code) => stopped(code) });
    let url: string;
    try {
      url = await server.listen();
    } catch (e) {
      removeHandlers();
      await server.close().catch(() => undefined);
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        throw new ServableError('INVALID_ARGUMENT', `flag --port ${port}: expected a free port on ${host}, got ${err.code} — pick another port`, { cause: e });
      }
      throw e;
    }
    const { text, ready } = modelTable(server, url);
    io.stdout.write(text);
    for (const name of server.registry.modelNames()) {
      for (const v of server.registry.versions(name)) {
        for (const a of v.model?.report.attempts ?? []) {
          if (a.status !== 'selected' && a.status !== 'not-tried') io.stderr.write(`${name}@${v.version}: ${a.runtime}[${a.device}] ${a.status}: ${a.reason ?? ''}\n`);
        }
      }
    }
    const access = auth ? 'access control on' : 'no access control (every route is open)';
    io.stdout.write(`listening on ${url}${server.grpcPort !== undefined ? ` (gRPC on port ${server.grpcPort})` : ''} — ${ready} model version(s) ready, ${access}; SIGTERM or Ctrl-C drains and stops\n`);
    const code = await done;
    removeHandlers();
    io.stdout.write(code === EXIT_OK ? 'drained and stopped\n' : 'stopped with errors while closing\n');
    return code;
  },
};
