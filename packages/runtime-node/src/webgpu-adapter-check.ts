import { sanitizeEngineMessage } from './engine-message.js';

/** A 75-byte ONNX model (opset 13): `y = Identity(x)`, float32 [1]. Opens the provider without a user model. */
const IDENTITY_MODEL_BASE64 = 'CAcSCHNlcnZhYmxlOjcKEAoBeBIBeSIISWRlbnRpdHkSAXBaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN';

/** How long the child may take to open the adapter before the check gives up. */
export const ADAPTER_CHECK_TIMEOUT_MS = 30_000;

/** What the adapter check found. */
export interface AdapterCheckResult {
  /** Whether a WebGPU session could be created (the adapter and device opened). */
  readonly ok: boolean;
  /** The engine's error when it could not. */
  readonly error?: string;
  /**
   * What the native code (Dawn, the Vulkan loader, GPU drivers) wrote to stderr while the
   * adapter was opened: distinct lines without colour codes or host paths.
   */
  readonly engineOutput: readonly string[];
  /** Milliseconds the check took, process start included. */
  readonly ms: number;
}

/**
 * The child's program. It loads onnxruntime-node from the path the parent resolved, creates a
 * WebGPU session for the identity model and prints one JSON line. Its stderr belongs to Dawn.
 */
const CHILD_PROGRAM = `
const ort = require(process.env.SERVABLE_ORT_PATH);
const model = Buffer.from(${JSON.stringify(IDENTITY_MODEL_BASE64)}, 'base64');
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
ort.InferenceSession.create(model, { executionProviders: ['webgpu'], logSeverityLevel: 4 }).then(
  (s) => s.release().then(() => say({ ok: true }), () => say({ ok: true })),
  (e) => say({ ok: false, error: String((e && e.message) || e) }),
);
`;

/** Distinct meaningful lines of what native code printed, without ANSI colours or host paths. */
export function summarizeEngineOutput(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = sanitizeEngineMessage(raw).replace(/^\s*-\s*/, '').trim();
    if (!line || /^at \w+/.test(line)) continue;
    seen.add(line);
  }
  return [...seen];
}

/**
 * Opens a WebGPU adapter in a child Node process. Dawn, the Vulkan loader and Mesa print their
 * diagnostics from native code straight to file descriptor 2 ("Couldn't load Vulkan",
 * "XDG_RUNTIME_DIR is invalid", adapter warnings), which no JavaScript in this process can
 * intercept; in a child, that output is collected and returned instead of reaching the user's
 * terminal, and a machine without an adapter never starts Dawn in this process at all.
 *
 * @param ortPath - the resolved path of onnxruntime-node's entry
 * @param timeoutMs - when the child is killed and the check reports a timeout
 */
export async function checkWebGpuAdapter(ortPath: string, timeoutMs = ADAPTER_CHECK_TIMEOUT_MS): Promise<AdapterCheckResult> {
  const { spawn } = await import('node:child_process');
  const started = performance.now();
  return new Promise<AdapterCheckResult>((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (r: Omit<AdapterCheckResult, 'ms' | 'engineOutput'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, engineOutput: summarizeEngineOutput(stderr), ms: performance.now() - started });
    };
    const child = spawn(process.execPath, ['--input-type=commonjs', '-e', CHILD_PROGRAM], {
      env: { ...process.env, SERVABLE_ORT_PATH: ortPath },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, error: `the adapter check did not finish within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => finish({ ok: false, error: `could not start a child process for the adapter check (${e.message})` }));
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { ok: boolean; error?: string };
        finish(parsed.ok ? { ok: true } : { ok: false, error: parsed.error ?? 'unknown error' });
      } catch {
        finish({ ok: false, error: `the adapter check ended without an answer (${signal ? `signal ${signal}` : `exit code ${code}`})` });
      }
    });
  });
}
