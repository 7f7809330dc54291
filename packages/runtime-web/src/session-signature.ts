import { ServableError, isDType, type Dim, type ModelSignature, type TensorSpec } from '@servable/core';
import type { InferenceSession } from 'onnxruntime-web';

type Session = InferenceSession;
type ValueMetadata = InferenceSession.ValueMetadata;

function toSpec(meta: ValueMetadata, kind: 'input' | 'output'): TensorSpec {
  if (!meta.isTensor) {
    throw new ServableError(
      'MODEL_LOAD_FAILED',
      `${kind} "${meta.name}": expected a tensor, got a non-tensor value (sequence or map) — Servable serves tensor inputs and outputs only`,
    );
  }
  const dtype = String(meta.type);
  if (!isDType(dtype)) {
    throw new ServableError('MODEL_LOAD_FAILED', `${kind} "${meta.name}": expected a dtype Servable handles (float32…string), got ${dtype}`);
  }
  const shape: Dim[] = meta.shape.map((d: number | string, i: number) => {
    if (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) return d;
    if (typeof d === 'string' && d.length > 0) return d;
    return `${meta.name}_${i}`;
  });
  return { name: meta.name, dtype, shape };
}

/** The model's signature from the session's input and output metadata. */
export function sessionSignature(session: Session): ModelSignature {
  return {
    inputs: session.inputMetadata.map((m) => toSpec(m, 'input')),
    outputs: session.outputMetadata.map((m) => toSpec(m, 'output')),
  };
}
