import { describe, expect, it } from 'vitest';
import { buildSessionOptions, executionProvidersFor } from './session-options.js';

describe('session options', () => {
  it('picks the execution providers of the device', () => {
    expect(executionProvidersFor('cpu', undefined)).toEqual(['cpu']);
    expect(executionProvidersFor('cuda', undefined)).toEqual([{ name: 'cuda', deviceId: 0 }]);
    expect(executionProvidersFor('cuda', 2)).toEqual([{ name: 'cuda', deviceId: 2 }]);
    expect(executionProvidersFor('webgpu', undefined)).toEqual(['webgpu']);
  });

  it('maps the named options and warns about those the device ignores', () => {
    const { sessionOptions, warnings } = buildSessionOptions({ device: 'webgpu', deviceId: 1, threads: 3, interOpThreads: 2, graphOptimization: 'extended' });
    expect(sessionOptions).toEqual({ executionProviders: ['webgpu'], intraOpNumThreads: 3, interOpNumThreads: 2, graphOptimizationLevel: 'extended' });
    expect(warnings.map((w) => w.setting).sort()).toEqual(['deviceId', 'interOpThreads']);
  });

  it('does not warn about interOpThreads in parallel mode, nor about deviceId on cuda', () => {
    const { warnings } = buildSessionOptions({ device: 'cuda', deviceId: 1, interOpThreads: 2, executionMode: 'parallel' });
    expect(warnings).toEqual([]);
  });

  it('lets raw sessionOptions win', () => {
    const { sessionOptions } = buildSessionOptions({ threads: 2, sessionOptions: { intraOpNumThreads: 1, executionProviders: ['cpu'], logSeverityLevel: 3 } });
    expect(sessionOptions).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 });
  });

  it('maps logLevel to onnxruntime\'s logSeverityLevel', () => {
    expect(buildSessionOptions({ logLevel: 'fatal' }).sessionOptions.logSeverityLevel).toBe(4);
    expect(buildSessionOptions({ logLevel: 'verbose' }).sessionOptions.logSeverityLevel).toBe(0);
    expect(buildSessionOptions({}).sessionOptions).not.toHaveProperty('logSeverityLevel');
  });
});
