import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadModel, ServableError } from '@servable/core';
import { describe, expect, it } from 'vitest';
import { onnxNode } from './index.js';
import { loadFailureHint } from './load-failure-hints.js';

const broken = (name: string) => fileURLToPath(new URL(`../../../fixtures/models/broken/${name}`, import.meta.url));

async function loadError(source: string | Uint8Array): Promise<ServableError> {
  const e = await loadModel(source, { runtimes: [onnxNode()] }).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!ServableError.isInstance(e)) throw new Error(`expected a ServableError, got ${String(e)}`);
  return e;
}

// Real models onnxruntime refuses (fixtures/export_load_failures.py), each with what the engine
// says and the hint that must follow, by path and from bytes alike.
const CASES: { file: string; kind: string; engine: RegExp; fix: RegExp }[] = [
  { file: 'missing_kernel_bf16_gemm.onnx', kind: 'missing-kernel', engine: /Could not find an implementation for Gemm\(13\)/, fix: /onnxruntime has no cpu kernel for Gemm \(opset 13\)/ },
  { file: 'invalid_type_add_uint8.onnx', kind: 'invalid-type', engine: /Type 'tensor\(uint8\)' of input parameter \(x\) of operator \(Add\)/, fix: /gives Add a tensor\(uint8\) value \("x"\), which ONNX's Add does not take/ },
  { file: 'unsupported_type_complex64.onnx', kind: 'unsupported-type', engine: /tensor\(complex64\) is not currently registered or supported/, fix: /onnxruntime does not support tensor\(complex64\)/ },
  { file: 'training_adagrad.onnx', kind: 'training-ops', engine: /ai\.onnx\.preview\.training:Adagrad/, fix: /training ops \(ai\.onnx\.preview\.training:Adagrad\).*export the inference graph/ },
  { file: 'training_softmax_cross_entropy_grad.onnx', kind: 'training-ops', engine: /com\.microsoft:SoftmaxCrossEntropyLossGrad/, fix: /training ops \(com\.microsoft:SoftmaxCrossEntropyLossGrad\)/ },
  { file: 'custom_op.onnx', kind: 'custom-op', engine: /com\.example:MyOp/, fix: /uses com\.example:MyOp, an operator this onnxruntime does not know — register the custom-op library/ },
  { file: 'opset_99.onnx', kind: 'opset', engine: /Opset 99 is under development/, fix: /uses opset 99, and this onnxruntime supports ai\.onnx up to opset \d+ — re-export with an older opset/ },
  { file: 'truncated.onnx', kind: 'incomplete', engine: /protobuf parsing failed/i, fix: /not a complete ONNX protobuf/ },
  { file: 'external_missing/model.onnx', kind: 'external-data', engine: /External data path does not exist/, fix: /external data\) is missing or lies outside the model folder/ },
];

describe('load errors say what the engine said and the fix that fits it', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.kind}`, async () => {
      const byPath = await loadError(broken(c.file));
      expect(byPath.code).toBe('MODEL_LOAD_FAILED');
      expect(byPath.message).toMatch(c.engine);
      expect(byPath.message).toMatch(c.fix);
      const attempt = (byPath.details.attempts as { reason: string }[])[0]!;
      expect(attempt.reason).toMatch(c.fix);
      if (c.kind !== 'external-data' && c.kind !== 'incomplete') expect(byPath.message).not.toContain('complete .onnx export');
      if (c.kind !== 'external-data') {
        const fromBytes = await loadError(new Uint8Array(await readFile(broken(c.file))));
        expect(fromBytes.message).toMatch(c.fix);
      }
    });
  }
});

describe('loadFailureHint', () => {
  it('reads the IR version message and falls back to general advice', () => {
    expect(loadFailureHint('Unsupported model IR version: 13, max supported IR version: 11', 'cpu')).toMatchObject({ kind: 'ir-version', fix: expect.stringContaining('IR version 13 is newer than this onnxruntime reads (up to 11)') });
    expect(loadFailureHint('Could not find an implementation for Conv(11) node with name \'c\'', 'cuda').fix).toContain('no cuda kernel for Conv (opset 11)');
    expect(loadFailureHint('something else entirely', 'cpu')).toEqual({ kind: 'unknown', fix: 'check the file with onnx.checker.check_model, and that its external data files sit beside it' });
  });
});
