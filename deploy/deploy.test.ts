import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, validateModelConfig } from '@servable/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../packages/cli/src/cli/parse-command-line.js';
import { serveCommand } from '../packages/cli/src/commands/serve.js';
import { ensureBuilt, MODELS, ROOT } from '../packages/cli/test/helpers/built-cli.js';
import { checkKeySource } from '../packages/server/src/repository/check-key-source.js';
import { readYamlDocuments, renderKustomization } from './test-support/render-kustomization.js';

const DEPLOY = fileURLToPath(new URL('./', import.meta.url));

type Doc = Record<string, any>;

const render = (dir: string) => renderKustomization(join(DEPLOY, dir)).map((r) => r.object);
const cpu = render('kubernetes/overlays/cpu');
const gpu = render('kubernetes/overlays/gpu');
const kserve = render('kserve');
const one = (docs: Doc[], kind: string, name?: string) => {
  const list = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  expect(list, kind).toHaveLength(1);
  return list[0]!;
};
const secretExample = one(readYamlDocuments(join(DEPLOY, 'kubernetes/secret.example.yaml')), 'Secret');
const loader = one(readYamlDocuments(join(DEPLOY, 'kubernetes/model-loader.yaml')), 'Pod');
const adapterValues = readYamlDocuments(join(DEPLOY, 'kubernetes/components/in-flight-autoscaling/prometheus-adapter-values.yaml'))[0]!;

const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const instructions = dockerfile
  .split('\n')
  .filter((l) => /^[A-Z]+\s/.test(l))
  .map((l) => ({ op: l.split(/\s/)[0]!, rest: l.slice(l.indexOf(' ') + 1).trim() }));
const cmd = JSON.parse(instructions.find((i) => i.op === 'CMD')!.rest) as string[];

function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Checks that a container's argv is `node packages/cli/dist/bin.js serve ...` with flags serve accepts. */
function checkServeArgs(argv: readonly string[], where: string): void {
  expect(argv.slice(0, 3), where).toEqual(['node', 'packages/cli/dist/bin.js', 'serve']);
  const parsed = parseCommandLine(serveCommand, argv.slice(3));
  expect(parsed.positionals, where).toHaveLength(1);
  for (const a of argv.slice(3)) if (a.startsWith('--')) expect(Object.keys(serveCommand.options), `${where} ${a}`).toContain(a.slice(2));
}

let routes: { get(url: string): boolean; metricNames: Set<string>; close(): Promise<void> };

beforeAll(async () => {
  const server = await createServer({ repository: mkdtempSync(join(tmpdir(), 'servable-routes-')), port: 0, inProcess: true });
  const metrics = (await server.fastify.inject({ method: 'GET', url: '/metrics' })).body;
  routes = {
    get: (url) => server.fastify.hasRoute({ method: 'GET', url }),
    metricNames: new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!)),
    close: () => server.close(),
  };
});

afterAll(async () => {
  await routes?.close();
});

/** Threads one engine run may use, from a runtime entry of models.json. */
function engineThreads(runtime: Doc | string): number | undefined {
  return typeof runtime === 'object' ? (runtime.options?.threads as number | undefined) : undefined;
}

/** The CPU limit of a container in whole cores. */
function cpuLimit(container: Doc): number {
  const v = String(container.resources.limits.cpu);
  return v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v);
}

describe('deploy/kubernetes (rendered overlays)', () => {
  it('has a Deployment whose probes hit the health routes the server registers, with resources and a non-root user', () => {
    for (const docs of [cpu, gpu]) {
      const deployment = one(docs, 'Deployment');
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
      expect(container.readinessProbe.httpGet.path).toBe('/v2/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/v2/health/live');
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        expect(routes.get(probe.httpGet.path), probe.httpGet.path).toBe(true);
        expect(container.ports.map((p: Doc) => p.name), String(probe.httpGet.port)).toContain(probe.httpGet.port);
      }
      expect(routes.get('/v2/health/nope')).toBe(false);
      for (const k of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect(container.resources[k][r], `${k}.${r}`).toBeDefined();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).not.toBe(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);
    }
  });

  it('runs servable serve with flags it accepts, on the ports the container declares, bound to every interface', () => {
    for (const docs of [cpu, gpu]) {
      const [container] = one(docs, 'Deployment').spec.template.spec.containers;
      const argv = [...container.command, ...container.args];
      checkServeArgs(argv, 'Deployment');
      expect(flagValue(argv, '--host')).toBe('0.0.0.0');
      const ports = Object.fromEntries(container.ports.map((p: Doc) => [p.name, p.containerPort]));
      expect(String(ports.http)).toBe(flagValue(argv, '--port'));
      expect(String(ports.grpc)).toBe(flagValue(argv, '--grpc-port'));
    }
  });

  it('names a registry and a tag for every image, the CUDA one on the GPU overlay, and the loader pod runs the CPU image', () => {
    const image = (docs: Doc[]) => one(docs, 'Deployment').spec.template.spec.containers[0].image as string;
    for (const i of [image(cpu), image(gpu), ...one(kserve, 'ServingRuntime', 'servable').spec.containers.map((c: Doc) => c.image), one(kserve, 'ServingRuntime', 'servable-cuda').spec.containers[0].image]) {
      expect(i, i).toMatch(/^[a-z0-9.-]+\.[a-z]+(:\d+)?\/[a-z0-9/._-]+:[\w.-]+$/);
    }
    expect(image(gpu)).toMatch(/-cuda$/);
    expect(image(cpu)).not.toMatch(/-cuda$/);
    expect(one(kserve, 'ServingRuntime', 'servable-cuda').spec.containers[0].image).toMatch(/-cuda$/);
    expect(loader.spec.containers[0].image).toBe(image(cpu));
    expect(loader.spec.volumes[0].persistentVolumeClaim.claimName).toBe(one(cpu, 'PersistentVolumeClaim').metadata.name);
  });

  it('wires the Service, HPA, PDB, ConfigMap, Secret and volume claim to the Deployment', () => {
    const deployment = one(cpu, 'Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const service = one(cpu, 'Service');
    expect(service.spec.selector).toEqual(labels);
    for (const p of service.spec.ports) expect(container.ports.map((c: Doc) => c.name)).toContain(p.targetPort);
    const hpa = one(cpu, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(one(cpu, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    const volumes = Object.fromEntries(pod.volumes.map((v: Doc) => [v.name, v]));
    const configMap = one(cpu, 'ConfigMap');
    expect(volumes.config.configMap.name).toBe(configMap.metadata.name);
    expect(volumes.secrets.secret.secretName).toBe(secretExample.metadata.name);
    expect(volumes.secrets.secret.defaultMode).toBe(0o400);
    const secretMount = container.volumeMounts.find((m: Doc) => m.name === 'secrets').mountPath;
    for (const flag of ['--auth', '--key-file']) {
      const path = flagValue([...container.args], flag)!;
      expect(path.startsWith(`${secretMount}/`), flag).toBe(true);
      expect(Object.keys(secretExample.stringData), flag).toContain(path.slice(secretMount.length + 1));
    }
    const auth = JSON.parse(secretExample.stringData[flagValue([...container.args], '--auth')!.slice(secretMount.length + 1)]);
    expect(Array.isArray(auth.apiKeys)).toBe(true);
    const pvc = one(cpu, 'PersistentVolumeClaim');
    expect(volumes.models.persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(typeof pvc.spec.storageClassName).toBe('string');
    for (const m of container.volumeMounts) expect(Object.keys(volumes), m.name).toContain(m.name);
    const configMount = container.volumeMounts.find((m: Doc) => m.name === 'config').mountPath;
    const configArg = flagValue([...container.args], '--config')!;
    expect(configArg.startsWith(`${configMount}/`)).toBe(true);
    for (const docs of [cpu, gpu]) {
      const models = JSON.parse(one(docs, 'ConfigMap').data[configArg.slice(configMount.length + 1)]);
      for (const [name, config] of Object.entries(models)) expect(() => validateModelConfig(config, `models.json "${name}"`)).not.toThrow();
    }
    const modelsMount = container.volumeMounts.find((m: Doc) => m.name === 'models');
    expect(modelsMount.mountPath).toBe(container.args[1]);
    expect(modelsMount.readOnly).toBe(true);
  });

  it('keeps the Secret out of every kustomization, and its placeholder key is refused when the server starts', async () => {
    for (const docs of [render('kubernetes/base'), cpu, gpu, kserve]) expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'servable-secret-'));
    try {
      writeFileSync(join(dir, 'mnist.key'), secretExample.stringData['mnist.key']);
      await expect(checkKeySource({ file: join(dir, 'mnist.key') }, 'createServer decrypt')).rejects.toThrow(/a placeholder is not a key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches engine threads × workers to the CPU limit, on the CPU and in the GPU overlay\'s CPU fallback', () => {
    for (const docs of [cpu, gpu]) {
      const [container] = one(docs, 'Deployment').spec.template.spec.containers;
      const models = JSON.parse(one(docs, 'ConfigMap').data['models.json']) as Record<string, Doc>;
      for (const [name, config] of Object.entries(models)) {
        const cpuRuntime = (config.runtimes as Doc[]).find((r) => r.options?.device === 'cpu')!;
        expect((config.workers ?? 1) * engineThreads(cpuRuntime)!, name).toBe(cpuLimit(container));
      }
    }
  });

  it('has a GPU overlay: one nvidia.com/gpu, the GPU taint tolerated, CUDA first in the runtime chain and in models.json', () => {
    const pod = one(gpu, 'Deployment').spec.template.spec;
    const [container] = pod.containers;
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(flagValue(container.args, '--runtime')).toBe('onnx-node:cuda,onnx-node');
    for (const config of Object.values(JSON.parse(one(gpu, 'ConfigMap').data['models.json']) as Record<string, Doc>)) {
      expect((config.runtimes as Doc[]).map((r) => r.options.device)).toEqual(['cuda', 'cpu']);
    }
    expect(one(cpu, 'Deployment').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
  });

  it('scales on CPU and on requests in flight, a gauge the server exports, through the Prometheus adapter rules', () => {
    for (const docs of [cpu, gpu]) {
      const metrics = one(docs, 'HorizontalPodAutoscaler').spec.metrics as Doc[];
      expect(metrics.find((m) => m.type === 'Resource')?.resource.name).toBe('cpu');
      const pods = metrics.find((m) => m.type === 'Pods')!;
      expect(pods.pods.target.type).toBe('AverageValue');
      const name = pods.pods.metric.name as string;
      expect(routes.metricNames).toContain(name);
      const rule = (adapterValues.rules.custom as Doc[]).find((r) => r.name.as === name)!;
      expect(rule.seriesQuery.startsWith(`${name}{`)).toBe(true);
      expect(new RegExp(rule.name.matches).test(name)).toBe(true);
      expect(Object.keys(rule.resources.overrides).sort()).toEqual(['namespace', 'pod']);
    }
    for (const rule of adapterValues.rules.custom as Doc[]) expect(routes.metricNames).toContain(rule.name.as);
    expect(one(render('kubernetes/base'), 'HorizontalPodAutoscaler').spec.metrics.map((m: Doc) => m.type)).toEqual(['Resource']);
  });
});

describe('deploy/kserve (rendered)', () => {
  it('has serving runtimes speaking v2 on 8080 and grpc-v2 on a declared gRPC port, and an InferenceService that uses one', () => {
    const isvc = one(kserve, 'InferenceService');
    for (const runtime of kserve.filter((d) => d.kind === 'ServingRuntime')) {
      const [container] = runtime.spec.containers;
      expect(container.name).toBe('kserve-container');
      const argv = [...container.command, ...container.args];
      checkServeArgs(argv, `ServingRuntime ${runtime.metadata.name}`);
      expect(flagValue(argv, '--port')).toBe('8080');
      expect(flagValue(argv, '--host')).toBe('0.0.0.0');
      expect(argv[3]).toBe('/mnt/models');
      const http = container.ports.find((p: Doc) => p.containerPort === 8080);
      expect(http).toBeDefined();
      expect(http.name).not.toMatch(/grpc|h2c/);
      expect(runtime.spec.protocolVersions).toContain('v2');
      if (runtime.spec.protocolVersions.includes('grpc-v2')) {
        // KServe gives a port whose name holds "grpc" or "h2c" HTTP/2 on the predictor's Service.
        const grpc = container.ports.find((p: Doc) => /grpc|h2c/.test(p.name));
        expect(String(grpc?.containerPort)).toBe(flagValue(argv, '--grpc-port'));
      }
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        expect(routes.get(probe.httpGet.path)).toBe(true);
        expect(probe.httpGet.port).toBe(8080);
      }
      expect(runtime.spec.annotations['prometheus.kserve.io/port']).toBe('8080');
      expect(container.securityContext.runAsNonRoot).toBe(true);
    }
    const runtime = one(kserve, 'ServingRuntime', isvc.spec.predictor.model.runtime);
    expect(isvc.spec.predictor.model).toMatchObject({ protocolVersion: 'v2' });
    expect(runtime.spec.supportedModelFormats.map((f: Doc) => f.name)).toContain(isvc.spec.predictor.model.modelFormat.name);
    const cuda = one(kserve, 'ServingRuntime', 'servable-cuda').spec.containers[0];
    expect(flagValue(cuda.args, '--runtime')).toBe('onnx-node:cuda,onnx-node');
    expect(cuda.resources.limits['nvidia.com/gpu']).toBe('1');
  });

  it('scales the InferenceService with a metric its autoscaler supports (HPA on CPU, or KEDA on requests in flight), on the claim the Kubernetes overlays fill', () => {
    const isvc = one(kserve, 'InferenceService');
    expect(isvc.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Standard');
    expect(isvc.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('hpa');
    // KServe's HPA class takes cpu or memory; concurrency and rps are Knative's.
    expect(['cpu', 'memory']).toContain(isvc.spec.predictor.scaleMetric);
    expect(isvc.spec.predictor.model.storageUri).toBe(`pvc://${one(cpu, 'PersistentVolumeClaim').metadata.name}/`);
    const keda = one(readYamlDocuments(join(DEPLOY, 'kserve/inference-service-keda.yaml')), 'InferenceService');
    expect(keda.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('keda');
    expect(keda.spec.predictor.scaleMetric).toBeUndefined();
    const external = (keda.spec.predictor.autoScaling.metrics as Doc[]).find((m) => m.type === 'External')!.external;
    const metric = /^sum\((\w+)\{/.exec(external.metric.query)?.[1];
    expect(routes.metricNames).toContain(metric);
    expect(external.metric.query).toContain(`pod=~"${keda.metadata.name}-predictor-.*"`);
    expect(external.target).toMatchObject({ type: 'Value' });
    expect({ ...keda.spec.predictor, autoScaling: undefined, scaleMetric: undefined, scaleTarget: undefined }).toEqual({ ...isvc.spec.predictor, autoScaling: undefined, scaleMetric: undefined, scaleTarget: undefined });
  });

});

describe('deploy/Dockerfile', () => {
  it('is multi-stage, pnpm pinned without corepack, an optional CA secret, lean by default, non-root, health check, serve CMD', () => {
    const froms = instructions.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^ARG BUILD_IMAGE=node:20-slim$/m);
    expect(dockerfile).toMatch(/^ARG RUNTIME_IMAGE=node:20-slim$/m);
    expect(instructions.filter((i) => /corepack/i.test(i.rest))).toEqual([]);
    const pnpm = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager as string;
    expect(dockerfile).toContain(`ARG PNPM_VERSION=${pnpm.replace(/^pnpm@/, '')}`);
    expect(instructions.filter((i) => i.op === 'RUN').some((i) => /npm install -g .*"pnpm@\$\{PNPM_VERSION\}"/.test(i.rest))).toBe(true);
    for (const i of instructions.filter((x) => x.op === 'RUN' && /pnpm fetch|npm install -g|script\/install\.js/.test(x.rest))) {
      expect(i.rest, i.rest.slice(0, 60)).toMatch(/^--mount=type=secret,id=extra-ca .*NODE_EXTRA_CA_CERTS=\/run\/secrets\/extra-ca/);
    }
    expect(instructions.filter((i) => i.op === 'RUN').some((i) => /pnpm install --frozen-lockfile/.test(i.rest))).toBe(true);
    expect(instructions.some((i) => i.op === 'RUN' && /--prod/.test(i.rest))).toBe(true);
    expect(dockerfile).toMatch(/^ARG ONNXRUNTIME_NODE_INSTALL=$/m);
    expect(dockerfile).toMatch(/^ARG WITH_TFJS=false$/m);
    expect(instructions.some((i) => i.op === 'RUN' && /"\$ONNXRUNTIME_NODE_INSTALL" = "cuda12"/.test(i.rest) && /script\/install\.js/.test(i.rest))).toBe(true);
    const user = instructions.filter((i) => i.op === 'USER').at(-1)!.rest;
    expect(['root', '0']).not.toContain(user);
    const health = instructions.find((i) => i.op === 'HEALTHCHECK')!.rest;
    expect(health).toContain('/v2/health/ready');
    expect(routes.get('/v2/health/ready')).toBe(true);
    checkServeArgs(cmd, 'Dockerfile CMD');
    expect(cmd[3]).toBe('/models');
    expect(flagValue(cmd, '--host')).toBe('0.0.0.0');
    const exposed = instructions.find((i) => i.op === 'EXPOSE')!.rest.split(/\s+/);
    expect(exposed).toEqual([flagValue(cmd, '--port'), flagValue(cmd, '--grpc-port')]);
    const ignore = readFileSync(join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '**/dist', '.git', '.cache']) expect(ignore).toContain(p);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('the container command line, run directly', () => {
  it('serves a repository of fixture models, passes the HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    ensureBuilt();
    const repo = mkdtempSync(join(tmpdir(), 'servable-container-'));
    mkdirSync(join(repo, 'mnist', '1'), { recursive: true });
    copyFileSync(join(MODELS, 'mlp.onnx'), join(repo, 'mnist', '1', 'model.onnx'));
    const [http, grpc] = [await freePort(), await freePort()];
    const argv = cmd.map((a) => (a === '/models' ? repo : a));
    argv[argv.indexOf('--port') + 1] = String(http);
    argv[argv.indexOf('--grpc-port') + 1] = String(grpc);
    const child = spawn(argv[0] === 'node' ? process.execPath : argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${http}/v2/health/ready`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, output).toBe(200);
      const health = JSON.parse(instructions.find((i) => i.op === 'HEALTHCHECK')!.rest.replace(/^.*?CMD\s+/, '')) as string[];
      const check = spawnSync(process.execPath, health.slice(1).map((a) => a.replace(':8000/', `:${http}/`)), { encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(output).toMatch(/^mnist\s+1\s+READY\s+onnx-node/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
