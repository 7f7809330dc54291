import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

type Unary = (request: object, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: Record<string, unknown>) => void) => void;
type Client = grpc.Client & Record<'ServerLive' | 'ServerReady' | 'ModelReady' | 'ServerMetadata' | 'ModelMetadata' | 'ModelInfer', Unary>;

const INFER_KEY = 'infer-key-0123456789abcdef';
const META_KEY = 'metadata-key-0123456789abcdef';
const hash = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

let repo: TestRepository;
let server: Server;
let client: Client;
let folder: string;
let certFile: string;

function call(method: keyof Client & string, body: object, key?: string): Promise<Record<string, unknown>> {
  const metadata = new grpc.Metadata();
  if (key !== undefined) metadata.set('x-api-key', key);
  return new Promise((resolve, reject) => (client[method] as Unary).call(client, body, metadata, (e, r) => (e ? reject(e) : resolve(r))));
}

const INFER = {
  model_name: 'add_one',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }],
};

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'servable-grpc-tls-'));
  const keyFile = join(folder, 'key.pem');
  certFile = join(folder, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  server = await createServer({
    repository: repo.root,
    inProcess: true,
    port: 0,
    grpcPort: 0,
    tls: { keyFile, certFile },
    auth: {
      apiKeys: [
        { id: 'inferer', hash: hash(INFER_KEY), scopes: ['infer:add_one'] },
        { id: 'reader', hash: hash(META_KEY), scopes: ['metadata:*'] },
      ],
    },
  });
  await server.listen();
  const definition = protoLoader.loadSync(fileURLToPath(new URL('../spec/open_inference_grpc.proto', import.meta.url)), { keepCase: true, longs: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: new (address: string, credentials: grpc.ChannelCredentials) => Client } };
  client = new pkg.inference.GRPCInferenceService(`localhost:${server.grpcPort}`, grpc.credentials.createSsl(readFileSync(certFile)));
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.close();
  repo?.remove();
  rmSync(folder, { recursive: true, force: true });
});

describe('gRPC over TLS with access control', () => {
  it('keeps ServerLive and ServerReady open', async () => {
    expect(await call('ServerLive', {})).toEqual({ live: true });
    expect(await call('ServerReady', {})).toEqual({ ready: true });
  });

  it('answers UNAUTHENTICATED without credentials or with a wrong key', async () => {
    await expect(call('ModelInfer', INFER)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(call('ModelInfer', INFER, 'wrong-key-0123456789abcdef')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(call('ModelMetadata', { name: 'add_one', version: '' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('answers PERMISSION_DENIED to a valid key without the scope, naming the scope needed', async () => {
    const denied = call('ModelInfer', INFER, META_KEY);
    await expect(denied).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(denied).rejects.toThrow(/expected scope "infer:add_one" or "infer:\*"/);
    await expect(call('ModelMetadata', { name: 'add_one', version: '' }, INFER_KEY)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(call('ServerMetadata', {}, INFER_KEY)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(call('ModelInfer', { ...INFER, model_name: 'other' }, INFER_KEY)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('serves a key with the scope', async () => {
    const r = await call('ModelInfer', INFER, INFER_KEY);
    expect(r.model_name).toBe('add_one');
    const raw = (r.raw_output_contents as Buffer[])[0]!;
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual([2, 3, 4]);
    expect((await call('ModelMetadata', { name: 'add_one', version: '' }, META_KEY)).name).toBe('add_one');
    expect((await call('ServerMetadata', {}, META_KEY)).name).toBe('servable');
  });

  it('serves REST over HTTPS with the same access control', async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        request(`${server.url}${path}`, { ca: readFileSync(certFile), headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
    expect(server.url!.startsWith('https://')).toBe(true);
    expect(await get('/v2/health/live')).toBe(200);
    expect(await get('/v2/models/add_one')).toBe(401);
    expect(await get('/v2/models/add_one', { 'x-api-key': INFER_KEY })).toBe(403);
    expect(await get('/v2/models/add_one', { 'x-api-key': META_KEY })).toBe(200);
  });
});
