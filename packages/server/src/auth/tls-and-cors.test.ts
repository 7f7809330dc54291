import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cors from '@fastify/cors';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServableError } from '@servable/core';
import { serverTlsAndCorsOptions } from './tls-and-cors.js';

let folder: string;
let keyFile: string;
let certFile: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'servable-tls-'));
  keyFile = join(folder, 'key.pem');
  certFile = join(folder, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('serverTlsAndCorsOptions', () => {
  it('serves HTTPS with the key and certificate files', async () => {
    const { https } = serverTlsAndCorsOptions({ tls: { keyFile, certFile } });
    const app = Fastify({ https: { key: https!.key, cert: https!.cert } });
    app.get('/v2/health/live', async () => ({ live: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect(url.startsWith('https://')).toBe(true);
    const { request } = await import('node:https');
    const body = await new Promise<string>((resolve, reject) => {
      request(`${url}/v2/health/live`, { rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(JSON.parse(body)).toEqual({ live: true });
    await app.close();
  });

  it('allows listed origins only, with the inference headers', async () => {
    const options = serverTlsAndCorsOptions({ cors: { origins: ['https://app.example.com'] } });
    const app = Fastify();
    await app.register(cors, options.cors!);
    app.post('/v2/models/m/infer', async () => ({}));
    const preflight = (origin: string) =>
      app.inject({ method: 'OPTIONS', url: '/v2/models/m/infer', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
  });

  it('refuses missing files, non-PEM files and bad origins, naming the file but not its folder', () => {
    const notPem = join(folder, 'not-pem.txt');
    writeFileSync(notPem, 'hello');
    for (const config of [
      { tls: { keyFile: join(folder, 'missing.pem'), certFile } },
      { tls: { keyFile: notPem, certFile } },
      { tls: { keyFile, certFile: keyFile } },
      { cors: { origins: ['app.example.com'] } },
      { cors: { origins: [] } },
    ]) {
      try {
        serverTlsAndCorsOptions(config as never);
        expect.unreachable();
      } catch (e) {
        expect(ServableError.isInstance(e) && e.code).toBe('INVALID_ARGUMENT');
        expect((e as Error).message).not.toContain(folder);
      }
    }
    expect(serverTlsAndCorsOptions({ cors: { origins: '*' } }).cors).toMatchObject({ origin: true, credentials: false });
    expect(serverTlsAndCorsOptions({})).toEqual({});
  });
});
