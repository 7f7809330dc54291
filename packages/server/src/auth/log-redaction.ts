import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Header names never logged. */
export const SECRET_HEADERS: readonly string[] = ['authorization', 'x-api-key', 'cookie', 'set-cookie', 'proxy-authorization'];

const SECRET_KEY = /pass(word)?|secret|token|key|authorization|cookie|credential|private/i;
const SECRET_QUERY = /([?&][^=&]*(?:key|token|secret|password|signature)[^=&]*=)[^&]*/gi;
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;
const MAX_ITEMS = 8;
const MAX_STRING = 256;

/** Options of {@link loggerOptions} and {@link registerPayloadLogging}. */
export interface PayloadLoggingOptions {
  /** Log request and response bodies (redacted with {@link redactPayload}). Default false. */
  readonly logPayloads?: boolean;
}

/** A URL with the values of key-, token-, secret-, password- and signature-like query parameters masked. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${CENSOR}`);
}

/**
 * A copy of a payload fit for a log line: values under keys named like `password`, `secret`,
 * `token`, `key`, `authorization`, `cookie`, `credential` or `private` become `[redacted]`;
 * arrays under `data` (tensor contents) and any array longer than 8 become `"[N values]"`;
 * strings longer than 256 characters are cut; nesting deeper than 8 becomes `"[nested]"`;
 * binary bodies become `"[N bytes]"`.
 */
export function redactPayload(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[${value.length} chars]` : value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (ArrayBuffer.isView(value)) return `[${(value as unknown as { length: number }).length} values]`;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) {
    if (value.length > MAX_ITEMS) return `[${value.length} values]`;
    return value.map((v) => redactPayload(v, depth + 1));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_KEY.test(k)) out[k] = CENSOR;
      else if (k === 'data' && (Array.isArray(v) || ArrayBuffer.isView(v))) out[k] = `[${(v as { length: number }).length} values]`;
      else out[k] = redactPayload(v, depth + 1);
    }
    return out;
  }
  return `[${typeof value}]`;
}

/** The fields of a request that the request serializer reads. */
interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly hostname?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}

/** What a logged request shows. */
interface RequestLogFields {
  method?: string;
  url?: string;
  hostname?: string;
  remoteAddress?: string;
  remotePort?: number;
  [key: string]: unknown;
}

/** A request as logged: method, URL (secret query values masked), host and peer; never headers or body. */
function serializeRequest(request: LoggedRequest): RequestLogFields {
  return { method: request.method, url: redactUrl(String(request.url ?? '')), hostname: request.hostname, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

/** A response as logged: the status only. */
function serializeResponse(reply: { readonly statusCode?: number }): { statusCode?: number; [key: string]: unknown } {
  return { statusCode: reply.statusCode };
}

/**
 * Pino options for the server's logger (merge into `createServer({ logger })` or
 * `Fastify({ logger })`): request and response serializers that log no headers and no bodies,
 * and a `redact` list that masks credential headers and `body`/`payload` fields should any log
 * call pass them.
 */
export function loggerOptions(): {
  /** Pino's `redact` option. */
  redact: {
    /** Paths of the values to mask: credential headers, and `body`/`payload` fields. */
    paths: string[];
    /** What replaces a masked value: `[redacted]`. */
    censor: string;
  };
  /** Pino's `serializers` option. */
  serializers: {
    /** Logs a request's method, URL (secret query values masked), host and peer; never headers or body. */
    req: (request: LoggedRequest) => RequestLogFields;
    /** Logs a response's status code only. */
    res: (reply: {
      /** HTTP status of the response. */
      readonly statusCode?: number;
    }) => {
      /** HTTP status of the response. */
      statusCode?: number;
      [key: string]: unknown;
    };
  };
} {
  const paths = [
    ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `request.headers["${h}"]`]),
    'body',
    'payload',
    'req.body',
    'res.body',
    'request.body',
    'reply.payload',
  ];
  return {
    redact: { paths, censor: CENSOR },
    serializers: { req: serializeRequest, res: serializeResponse },
  };
}

function readableBody(body: unknown): unknown {
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.parse(text);
      } catch {
        return `[${Buffer.byteLength(text)} bytes]`;
      }
    }
    return `[${Buffer.byteLength(text)} bytes]`;
  }
  return body;
}

/**
 * With `logPayloads: true`, logs each request body (in `preHandler`) and response body (in
 * `onSend`) at `info`, passed through {@link redactPayload} under the field `redactedPayload`.
 * Without it, registers nothing: payloads are never logged.
 */
export function registerPayloadLogging(app: FastifyInstance, options: PayloadLoggingOptions = {}): void {
  if (!options.logPayloads) return;
  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (request.body === undefined) return;
    request.log.info({ redactedPayload: redactPayload(readableBody(request.body)) }, 'request payload');
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) request.log.info({ redactedPayload: redactPayload(readableBody(payload)) }, 'response payload');
    return payload;
  });
}
