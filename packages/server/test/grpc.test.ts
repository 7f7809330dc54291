import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

type Unary = (request: object, callback: (error: grpc.ServiceError | null, response: Record<string, unknown>) => void) => void;
type Client = grpc.Client & Record<'ServerLive' | 'ServerReady' | 'ModelReady' | 'ServerMetadata' | 'ModelMetadata' | 'ModelInfer', Unary>;

let repo: TestRepository;
let server: Server;
let client: Client;

function call(method: keyof Client & string, request: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => (client[method] as Unary).call(client, request, (e, r) => (e ? reject(e) : resolve(r))));
}

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  repo.addVersion('multi_io', '1', 'multi_io.onnx');
  repo.addVersion('identity_string', '1', 'identity_string.onnx');
  server = await createServer({ repository: repo.root, inProcess: true, port: 0, grpcPort: 0, batching: { maxQueueSize: 2, maxQueueDelayMs: 100 } });
  await server.listen();
  const definition = protoLoader.loadSync(fileURLToPath(new URL('../spec/open_inference_grpc.proto', import.meta.url)), { keepCase: true, longs: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: new (address: string, credentials: grpc.ChannelCredentials) => Client } };
  client = new pkg.inference.GRPCInferenceService(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await server.close();
  repo.remove();
});

describe('inference.GRPCInferenceService', () => {
  it('answers health and metadata', async () => {
    expect(await call('ServerLive', {})).toEqual({ live: true });
    expect(await call('ServerReady', {})).toEqual({ ready: true });
    expect(await call('ModelReady', { name: 'add_one', version: '' })).toEqual({ ready: true });
    const meta = await call('ServerMetadata', {});
    expect(meta.name).toBe('servable');
    expect(meta.extensions).toContain('binary_tensor_data');
    const model = await call('ModelMetadata', { name: 'multi_io', version: '1' });
    expect(model.versions).toEqual(['1']);
    expect((model.inputs as { name: string; datatype: string; shape: string[] }[])[1]).toEqual({ name: 'ids', datatype: 'INT64', shape: ['-1', '3'] });
  });

  it('round-trips raw_input_contents to raw_output_contents', async () => {
    const x = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    const r = await call('ModelInfer', { model_name: 'add_one', id: 'g1', inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2] }], raw_input_contents: [x] });
    expect(r.id).toBe('g1');
    expect(r.model_version).toBe('1');
    expect(r.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: ['2', '2'], parameters: {}, contents: null }]);
    const raw = (r.raw_output_contents as Buffer[])[0]!;
    expect(Array.from(new Float32Array(new Uint8Array(raw).buffer))).toEqual([2, 3, 4, 5]);
  });

  it('accepts typed contents for every kind of field', async () => {
    const r = await call('ModelInfer', {
      model_name: 'multi_io',
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } },
        { name: 'ids', datatype: 'INT64', shape: [1, 3], contents: { int64_contents: ['9007199254740993', '-2', '3'] } },
        { name: 'mask', datatype: 'BOOL', shape: [1, 3], contents: { bool_contents: [true, false, true] } },
        { name: 'h', datatype: 'FP16', shape: [1, 2], contents: { fp32_contents: [0.5, 2] } },
      ],
      outputs: [{ name: 'ids_next' }, { name: 'mask_not' }],
    });
    const [ids, mask] = r.raw_output_contents as Buffer[];
    expect(Array.from(new BigInt64Array(new Uint8Array(ids!).buffer))).toEqual([9007199254740994n, -1n, 4n]);
    expect(Array.from(mask!)).toEqual([0, 1, 0]);
    const strings = await call('ModelInfer', {
      model_name: 'identity_string',
      inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], contents: { bytes_contents: [Buffer.from('hé'), Buffer.from('')] } }],
    });
    const raw = (strings.raw_output_contents as Buffer[])[0]!;
    expect(raw.readUInt32LE(0)).toBe(3);
    expect(raw.subarray(4, 7).toString()).toBe('hé');
    expect(raw.readUInt32LE(7)).toBe(0);
  });

  it.each([
    ['unknown model', { model_name: 'nope', inputs: [] }, grpc.status.NOT_FOUND],
    ['bad shape', { model_name: 'add_one', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], raw_input_contents: [Buffer.alloc(8)] }, grpc.status.INVALID_ARGUMENT],
    ['wrong byte count', { model_name: 'add_one', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }], raw_input_contents: [Buffer.alloc(3)] }, grpc.status.INVALID_ARGUMENT],
    ['no data', { model_name: 'add_one', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }] }, grpc.status.INVALID_ARGUMENT],
  ])('maps %s to its status', async (_name, request, code) => {
    await expect(call('ModelInfer', request)).rejects.toMatchObject({ code });
  });

  it('maps a full queue to RESOURCE_EXHAUSTED', async () => {
    const x = Buffer.from(new Float32Array([1, 2]).buffer);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => call('ModelInfer', { model_name: 'add_one', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }], raw_input_contents: [x] })),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect(r.reason.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('answers ModelReady NOT_FOUND for an unknown model', async () => {
    await expect(call('ModelReady', { name: 'nope', version: '' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});
