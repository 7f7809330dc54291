import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, validateModelConfig } from '@servable/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../packages/cli/src/cli/parse-command-line.js';
import { serveCommand } from '../packages/cli/src/commands/serve.js';
import { ensureBuilt, MODELS, ROOT } from '../packages/cli/test/helpers/built-cli.js';

const DEPLOY = fileURLToPath(new URL('./', import.meta.url));
const YAML = createRequire(join(ROOT, 'packages/cli/package.json'))('yaml') as typeof import('yaml');

type Doc = Record<string, any>;

function readDocs(file: string): Doc[] {
  const docs = YAML.parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'));
  for (const d of docs) expect(d.errors, `${file}: ${d.errors.map((e) => e.message).join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS() as Doc).filter(Boolean);
}

const yamlFiles = [...readdirSync(join(DEPLOY, 'kubernetes')).map((f) => `kubernetes/${f}`), ...readdirSync(join(DEPLOY, 'kserve')).map((f) => `kserve/${f}`)].filter((f) => f.endsWith('.yaml'));
const all = yamlFiles.flatMap((f) => readDocs(f).map((doc) => ({ file: f, doc })));
const byKind = (kind: string) => all.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const one = (kind: string) => {
  const list = byKind(kind);
  expect(list, kind).toHaveLength(1);
  return list[0]!;
};

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

let routes: { get(url: string): boolean; close(): Promise<void> };

beforeAll(async () => {
  const server = await createServer({ repository: mkdtempSync(join(tmpdir(), 'servable-routes-')), port: 0, inProcess: true });
  routes = { get: (url) => server.fastify.hasRoute({ method: 'GET', url }), close: () => server.close() };
});

afterAll(async () => {
  await routes?.close();
});

describe('deploy/ manifests (static checks)', () => {
  it('parses every YAML file and every document names apiVersion, kind and metadata.name', () => {
    expect(yamlFiles.length).toBeGreaterThanOrEqual(9);
    for (const { file, doc } of all) {
      expect(typeof doc.apiVersion, file).toBe('string');
      expect(typeof doc.kind, file).toBe('string');
      if (doc.kind !== 'Kustomization') expect(typeof doc.metadata?.name, file).toBe('string');
    }
    const kustomization = one('Kustomization');
    const listed = new Set(kustomization.resources as string[]);
    for (const f of yamlFiles.filter((x) => x.startsWith('kubernetes/') && !x.endsWith('kustomization.yaml'))) expect(listed, f).toContain(f.slice('kubernetes/'.length));
  });

  it('has a Deployment whose probes hit the health routes the server registers, with resources and a non-root user', () => {
    const deployment = one('Deployment');
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
  });

  it('runs servable serve with flags it accepts, on the ports the container declares', () => {
    const [container] = one('Deployment').spec.template.spec.containers;
    const argv = [...container.command, ...container.args];
    checkServeArgs(argv, 'Deployment');
    const ports = Object.fromEntries(container.ports.map((p: Doc) => [p.name, p.containerPort]));
    expect(String(ports.http)).toBe(flagValue(argv, '--port'));
    expect(String(ports.grpc)).toBe(flagValue(argv, '--grpc-port'));
  });

  it('wires the Service, HPA, PDB, ConfigMap, Secret and volume claim to the Deployment', () => {
    const deployment = one('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const service = one('Service');
    expect(service.spec.selector).toEqual(labels);
    for (const p of service.spec.ports) expect(container.ports.map((c: Doc) => c.name)).toContain(p.targetPort);
    const hpa = one('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(one('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    const volumes = Object.fromEntries(pod.volumes.map((v: Doc) => [v.name, v]));
    const configMap = one('ConfigMap');
    const secret = one('Secret');
    expect(volumes.config.configMap.name).toBe(configMap.metadata.name);
    expect(volumes.secrets.secret.secretName).toBe(secret.metadata.name);
    const secretMount = container.volumeMounts.find((m: Doc) => m.name === 'secrets').mountPath;
    for (const flag of ['--auth', '--key-file']) {
      const path = flagValue([...container.args], flag)!;
      expect(path.startsWith(`${secretMount}/`), flag).toBe(true);
      expect(Object.keys(secret.stringData), flag).toContain(path.slice(secretMount.length + 1));
    }
    const auth = JSON.parse(secret.stringData[flagValue([...container.args], '--auth')!.slice(secretMount.length + 1)]);
    expect(Array.isArray(auth.apiKeys)).toBe(true);
    expect(volumes.models.persistentVolumeClaim.claimName).toBe(one('PersistentVolumeClaim').metadata.name);
    for (const m of container.volumeMounts) expect(Object.keys(volumes), m.name).toContain(m.name);
    const configMount = container.volumeMounts.find((m: Doc) => m.name === 'config').mountPath;
    const configArg = flagValue([...container.args], '--config')!;
    expect(configArg.startsWith(`${configMount}/`)).toBe(true);
    const models = JSON.parse(configMap.data[configArg.slice(configMount.length + 1)]);
    for (const [name, config] of Object.entries(models)) expect(() => validateModelConfig(config, `models.json "${name}"`)).not.toThrow();
    const modelsMount = container.volumeMounts.find((m: Doc) => m.name === 'models');
    expect(modelsMount.mountPath).toBe(container.args[1]);
    expect(modelsMount.readOnly).toBe(true);
  });

  it('has a KServe runtime speaking v2 on 8080/8081 and an InferenceService that uses it', () => {
    const runtime = one('ServingRuntime');
    const isvc = one('InferenceService');
    expect(runtime.spec.protocolVersions).toContain('v2');
    expect(isvc.spec.predictor.model).toMatchObject({ protocolVersion: 'v2', runtime: runtime.metadata.name });
    expect(runtime.spec.supportedModelFormats.map((f: Doc) => f.name)).toContain(isvc.spec.predictor.model.modelFormat.name);
    const [container] = runtime.spec.containers;
    expect(container.name).toBe('kserve-container');
    const argv = [...container.command, ...container.args];
    checkServeArgs(argv, 'ServingRuntime');
    expect(flagValue(argv, '--port')).toBe('8080');
    expect(flagValue(argv, '--grpc-port')).toBe('8081');
    expect(argv[3]).toBe('/mnt/models');
    expect(container.ports.map((p: Doc) => p.containerPort)).toContain(8080);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(routes.get(probe.httpGet.path)).toBe(true);
      expect(probe.httpGet.port).toBe(8080);
    }
  });

  it('has a multi-stage Dockerfile: node:20-slim, frozen lockfile, CUDA build argument, non-root user, health check, serve CMD', () => {
    const froms = instructions.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^ARG BUILD_IMAGE=node:20-slim$/m);
    expect(dockerfile).toMatch(/^ARG RUNTIME_IMAGE=node:20-slim$/m);
    expect(instructions.filter((i) => i.op === 'RUN').some((i) => /pnpm install --frozen-lockfile/.test(i.rest))).toBe(true);
    expect(instructions.some((i) => i.op === 'RUN' && /--prod/.test(i.rest))).toBe(true);
    expect(dockerfile).toMatch(/^ARG ONNXRUNTIME_NODE_INSTALL=$/m);
    expect(instructions.some((i) => i.op === 'RUN' && /"\$ONNXRUNTIME_NODE_INSTALL" = "cuda12"/.test(i.rest) && /script\/install\.js/.test(i.rest))).toBe(true);
    const user = instructions.filter((i) => i.op === 'USER').at(-1)!.rest;
    expect(['root', '0']).not.toContain(user);
    const health = instructions.find((i) => i.op === 'HEALTHCHECK')!.rest;
    expect(health).toContain('/v2/health/ready');
    expect(routes.get('/v2/health/ready')).toBe(true);
    checkServeArgs(cmd, 'Dockerfile CMD');
    expect(cmd[3]).toBe('/models');
    const exposed = instructions.find((i) => i.op === 'EXPOSE')!.rest.split(/\s+/);
    expect(exposed).toEqual([flagValue(cmd, '--port'), flagValue(cmd, '--grpc-port')]);
    const ignore = readFileSync(join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '**/dist', '.git']) expect(ignore).toContain(p);
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
