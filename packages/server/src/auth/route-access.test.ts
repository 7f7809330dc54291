import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { defaultRouteAccess } from './route-access.js';

const request = (method: string, url: string) => ({ method, url }) as FastifyRequest;

describe('defaultRouteAccess', () => {
  it('classifies the server routes', () => {
    const access = defaultRouteAccess({ defaultModel: () => 'mnist' });
    const table: [string, string, unknown][] = [
      ['GET', '/v2/health/live', 'public'],
      ['GET', '/v2/health/ready', 'public'],
      ['GET', '/metrics', 'public'],
      ['GET', '/v2', { action: 'metadata' }],
      ['GET', '/v2/models/a%20b', { action: 'metadata', model: 'a b' }],
      ['GET', '/v2/models/m/versions/3/ready', { action: 'metadata', model: 'm' }],
      ['POST', '/v2/models/m/infer?x=1', { action: 'infer', model: 'm' }],
      ['POST', '/v2/models/m/versions/1/infer', { action: 'infer', model: 'm' }],
      ['POST', '/v2/models/m/explain', { action: 'explain', model: 'm' }],
      ['POST', '/v2/models/m/generate_stream', { action: 'generate', model: 'm' }],
      ['POST', '/v1/models/m:predict', { action: 'infer', model: 'm' }],
      ['POST', '/v1/models/m:explain', { action: 'explain', model: 'm' }],
      ['POST', '/predict', { action: 'infer', model: 'mnist' }],
      ['POST', '/v1/chat/completions', { action: 'generate', modelFromBody: true }],
      ['POST', '/v2/repository/index', { action: 'admin', model: undefined }],
      ['POST', '/v2/repository/models/m/unload', { action: 'admin', model: 'm' }],
      ['POST', '/v2/models/m/something-new', { action: 'admin', model: 'm' }],
      ['GET', '/anything-else', { action: 'admin' }],
    ];
    for (const [method, url, expected] of table) expect(access(request(method, url)), `${method} ${url}`).toEqual(expected);
    expect(defaultRouteAccess({ protectMetrics: true })(request('GET', '/metrics'))).toEqual({ action: 'admin' });
    expect(defaultRouteAccess()(request('POST', '/predict'))).toEqual({ action: 'infer', model: '*' });
  });
});
