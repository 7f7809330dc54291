import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ServableError, type Tensor } from '@servable/core';
import type { AuthAction } from '../auth/auth-config.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authorizeGrpcCall } from '../auth/grpc-auth.js';
import { GRPC_STATUS, toWireError } from '../errors/status-mapping.js';
import { runInference, type InferInput, type InferOutput } from '../protocol/inference-service.js';
import { modelMetadata } from '../protocol/model-metadata.js';
import { tensorToRaw } from '../protocol/tensor-codec.js';
import { EXTENSIONS, type ServerContext } from '../server-context.js';

/** File name of the Open Inference Protocol gRPC definition shipped in `spec/`. */
export const PROTO_FILE = 'open_inference_grpc.proto';

/** Finds `spec/open_inference_grpc.proto` in the package (from sources or from dist). */
export function locateProto(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'spec', PROTO_FILE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new ServableError('MODEL_LOAD_FAILED', `gRPC: expected ${PROTO_FILE} in the package's spec/ folder, got none — reinstall @servable/server`);
}

type Contents = Record<string, unknown[] | undefined>;

interface GrpcInputTensor {
  name: string;
  datatype: string;
  shape: (string | number)[];
  parameters?: Record<string, unknown>;
  contents?: Contents | null;
}

interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: Record<string, { parameter_choice?: string; bool_param?: boolean }>;
  inputs: GrpcInputTensor[];
  outputs: { name: string; parameters?: Record<string, unknown> }[];
  raw_input_contents: Buffer[];
}

const CONTENT_FIELD: Record<string, string> = {
  BOOL: 'bool_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  FP16: 'fp32_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function shapeOf(shape: (string | number)[], subject: string): number[] {
  return shape.map((d) => {
    const n = typeof d === 'string' ? Number(d) : d;
    if (!Number.isSafeInteger(n)) throw new ServableError('SHAPE_MISMATCH', `${subject} shape: expected safe integer dimensions, got ${String(d)}`);
    return n;
  });
}

function decodeInputs(request: GrpcInferRequest): InferInput[] {
  const raw = request.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw new ServableError('INVALID_INPUT', `raw_input_contents: expected one entry per input (${request.inputs.length}), got ${raw.length}`);
  }
  return request.inputs.map((input, i) => {
    const subject = `input "${input.name}"`;
    const shape = shapeOf(input.shape ?? [], subject);
    if (raw.length > 0) return { name: input.name, datatype: input.datatype, shape, raw: raw[i]! };
    const field = CONTENT_FIELD[input.datatype];
    const values = field ? input.contents?.[field] : undefined;
    if (!values) throw new ServableError('INVALID_INPUT', `${subject}: expected contents.${field ?? '<typed field>'} or raw_input_contents, got neither`);
    const converted =
      input.datatype === 'BYTES'
        ? values.map((b) => Buffer.from(b as Uint8Array).toString('utf8'))
        : input.datatype === 'INT64' || input.datatype === 'UINT64'
          ? values.map((v) => String(v))
          : values;
    return { name: input.name, datatype: input.datatype, shape, values: converted };
  });
}

function encodeOutput(o: InferOutput): Record<string, unknown> {
  return { name: o.name, datatype: o.datatype, shape: o.shape.map(String), parameters: {} };
}

/** Options of {@link addInferenceService} and {@link startGrpcServer}. */
export interface GrpcServiceOptions {
  /** Access control (the REST server's authenticator): calls other than ServerLive/ServerReady need credentials in metadata. */
  readonly authenticator?: Authenticator;
  /** Serve over TLS with this PEM key and certificate chain. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
}

/** Milliseconds left before a call's deadline, or undefined when it has none. */
function deadlineMs(call: grpc.ServerUnaryCall<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return undefined;
  return Math.max(1, at - Date.now());
}

/** Registers `inference.GRPCInferenceService` on a grpc-js server. */
export function addInferenceService(server: grpc.Server, context: ServerContext, options: GrpcServiceOptions = {}): void {
  const definition = protoLoader.loadSync(locateProto(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: { service: grpc.ServiceDefinition } } };
  const { registry, metrics } = context;
  const fail = (callback: grpc.sendUnaryData<unknown>, error: unknown) => {
    const wire = toWireError(error);
    const metadata = new grpc.Metadata();
    if (wire.retryAfterSeconds !== undefined) metadata.set('retry-after', String(wire.retryAfterSeconds));
    callback({ code: wire.grpc, details: wire.message, metadata } as grpc.ServiceError, null);
    return wire.code;
  };
  const { authenticator } = options;
  /** Runs `handle` when the call's credentials grant `action` (on `model`); otherwise ends the call with UNAUTHENTICATED or PERMISSION_DENIED. */
  const guarded =
    <Req>(action: AuthAction, modelOf: (request: Req) => string | undefined, handle: (call: grpc.ServerUnaryCall<Req, unknown>, callback: grpc.sendUnaryData<unknown>) => void) =>
    (call: grpc.ServerUnaryCall<Req, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      if (!authenticator) {
        handle(call, callback);
        return;
      }
      authorizeGrpcCall(authenticator, call.metadata, action, modelOf(call.request)).then(
        (result) => {
          if (result.ok) handle(call, callback);
          else callback({ code: result.code, details: result.details } as grpc.ServiceError, null);
        },
        (error: unknown) => fail(callback, error),
      );
    };
  const handlers: grpc.UntypedServiceImplementation = {
    ServerLive: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { live: true }),
    ServerReady: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { ready: !context.draining() && registry.allReady() }),
    ModelReady: guarded<{ name: string; version: string }>('metadata', (r) => r.name, (call, callback) => {
      const { name, version } = call.request;
      if (!registry.modelNames().includes(name)) {
        fail(callback, new ServableError('MODEL_NOT_FOUND', `model "${name}": expected one of ${registry.modelNames().join(', ') || '(none)'}, got an unknown name`));
        return;
      }
      callback(null, { ready: !context.draining() && registry.isReady(name, version || undefined) });
    }),
    ServerMetadata: guarded<unknown>('metadata', () => undefined, (_call, callback) =>
      callback(null, { name: context.serverName, version: context.serverVersion, extensions: [...EXTENSIONS] }),
    ),
    ModelMetadata: guarded<{ name: string; version: string }>('metadata', (r) => r.name, (call, callback) => {
      try {
        const m = modelMetadata(registry, call.request.name, call.request.version || undefined);
        callback(null, { ...m, inputs: m.inputs.map((t) => ({ ...t, shape: t.shape.map(String) })), outputs: m.outputs.map((t) => ({ ...t, shape: t.shape.map(String) })) });
      } catch (e) {
        fail(callback, e);
      }
    }),
    ModelInfer: guarded<GrpcInferRequest>('infer', (r) => r.model_name, (call, callback) => {
      const request = call.request;
      const name = request.model_name;
      let version = request.model_version ?? '';
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort(new Error('client cancelled')));
      (async () => {
        try {
          const result = await runInference(
            registry,
            {
              modelName: name,
              modelVersion: version || undefined,
              inputs: decodeInputs(request),
              outputs: (request.outputs ?? []).map((o) => ({ name: o.name, binary: true })),
              binaryOutputs: true,
              signal: controller.signal,
              timeoutMs: deadlineMs(call as grpc.ServerUnaryCall<unknown, unknown>),
            },
            { maxElements: context.maxElements },
          );
          version = result.modelVersion;
          metrics.request(name, version, 'grpc');
          callback(null, {
            model_name: result.modelName,
            model_version: result.modelVersion,
            id: request.id ?? '',
            parameters: {},
            outputs: result.outputs.map(encodeOutput),
            raw_output_contents: result.outputs.map((o) => {
              const bytes = tensorToRaw(o.tensor as Tensor);
              return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            }),
          });
        } catch (e) {
          metrics.request(name, version || registry.versionLabel(name), 'grpc', fail(callback, e));
        }
      })();
    }),
  };
  server.addService(pkg.inference.GRPCInferenceService.service, handlers);
}

/** Starts a grpc-js server with the inference service on `host:port` (over TLS with `options.tls`); resolves with the bound port. */
export function startGrpcServer(
  context: ServerContext,
  host: string,
  port: number,
  maxMessageBytes: number,
  options: GrpcServiceOptions = {},
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageBytes, 'grpc.max_send_message_length': maxMessageBytes });
  addInferenceService(server, context, options);
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }])
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, credentials, (error, bound) => {
      if (error) reject(new ServableError('INVALID_ARGUMENT', `grpcPort ${port}: expected a free port, got ${error.message}`, { cause: error }));
      else resolve({ server, port: bound });
    });
  });
}

export { GRPC_STATUS };
