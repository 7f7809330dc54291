import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ServableError } from '@servable/core';

/** TLS and CORS settings of the server. */
export interface TlsAndCorsConfig {
  /** Serve HTTPS (and gRPC over TLS) with these PEM files. */
  readonly tls?: {
    /** Path of the PEM private key. */
    readonly keyFile: string;
    /** Path of the PEM certificate (chain). */
    readonly certFile: string;
  };
  /**
   * Cross-origin access for browsers: the allowed origins (exact strings), or `'*'` for any
   * origin (then credentials are not allowed). Off when omitted.
   */
  readonly cors?: {
    /** Allowed origins as scheme and host (such as `https://app.example.com`, no path), or `'*'` for any origin. */
    readonly origins: readonly string[] | '*';
    /** How long browsers may cache a preflight answer, in seconds (default 600). */
    readonly maxAgeSec?: number;
  };
}

/** What {@link serverTlsAndCorsOptions} gives: Fastify's `https` option and `@fastify/cors` options. */
export interface TlsAndCorsOptions {
  /** Pass as `Fastify({ https })`; for gRPC, `ServerCredentials.createSsl(null, [{ private_key: key, cert_chain: cert }])`. */
  readonly https?: {
    /** Contents of the PEM private key file. */
    readonly key: Buffer;
    /** Contents of the PEM certificate file. */
    readonly cert: Buffer;
  };
  /** Pass to `app.register(cors, options)`. */
  readonly cors?: {
    /** The allowed origins, or `true` to reflect any origin (for `'*'`). */
    readonly origin: string[] | boolean;
    /** Whether credentials are allowed: true for a list of origins, false for `'*'`. */
    readonly credentials: boolean;
    /** Allowed methods: `GET`, `POST`, `OPTIONS`. */
    readonly methods: string[];
    /** Request headers browsers may send. */
    readonly allowedHeaders: string[];
    /** Response headers browsers may read. */
    readonly exposedHeaders: string[];
    /** Preflight cache lifetime in seconds (`maxAgeSec`, default 600). */
    readonly maxAge: number;
  };
}

function readPem(path: unknown, what: string, marker: RegExp): Buffer {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `tls.${what}: expected the path of a PEM file, got ${JSON.stringify(path)}`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new ServableError('INVALID_ARGUMENT', `tls.${what}: expected a readable PEM file, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'} for "${basename(path)}" — check the path and its permissions`, { cause });
  }
  if (!marker.test(bytes.toString('latin1'))) {
    throw new ServableError('INVALID_ARGUMENT', `tls.${what}: expected PEM text with a ${marker.source.replace(/\\/g, '')} block, got another content in "${basename(path)}"`);
  }
  return bytes;
}

/**
 * Reads the TLS files and builds the CORS options. CORS allows the inference headers
 * (`authorization`, `x-api-key`, `content-type`, `inference-header-content-length`,
 * `x-request-id`) and exposes `retry-after`, `x-request-id` and `inference-header-content-length`.
 * @throws ServableError `INVALID_ARGUMENT` for a missing or non-PEM file or a bad origin list
 */
export function serverTlsAndCorsOptions(config: TlsAndCorsConfig): TlsAndCorsOptions {
  const result: { https?: TlsAndCorsOptions['https']; cors?: TlsAndCorsOptions['cors'] } = {};
  if (config.tls) {
    result.https = {
      key: readPem(config.tls.keyFile, 'keyFile', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
      cert: readPem(config.tls.certFile, 'certFile', /-----BEGIN CERTIFICATE-----/),
    };
  }
  if (config.cors) {
    const origins = config.cors.origins;
    const any = origins === '*';
    if (!any && (!Array.isArray(origins) || origins.length === 0 || origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o)))) {
      throw new ServableError('INVALID_ARGUMENT', `cors.origins: expected "*" or a list of origins such as ["https://app.example.com"] (scheme and host, no path), got ${JSON.stringify(origins)}`);
    }
    result.cors = {
      origin: any ? true : [...origins],
      credentials: !any,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'inference-header-content-length', 'x-request-id'],
      exposedHeaders: ['retry-after', 'x-request-id', 'inference-header-content-length'],
      maxAge: config.cors.maxAgeSec ?? 600,
    };
  }
  return result;
}
