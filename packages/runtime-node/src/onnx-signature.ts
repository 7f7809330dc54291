import { ServableError, isDType, type DType, type Dim, type ModelSignature, type RuntimeWarning, type TensorSpec } from '@servable/core';
import type { InferenceSession } from 'onnxruntime-node';

/** The signature read from a session, the outputs to fetch, and what could not be represented. */
export interface OnnxSignature {
  readonly signature: ModelSignature;
  /** Tensor outputs, in the model's order (non-tensor outputs are left out). */
  readonly tensorOutputs: readonly string[];
  readonly warnings: readonly RuntimeWarning[];
}

/** The metadata lists a session exposes (`InferenceSession.inputMetadata` / `outputMetadata`). */
export interface SessionMetadata {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
}

function toDType(type: string, subject: string, modelName: string): DType {
  if (isDType(type)) return type;
  throw new ServableError(
    'MODEL_LOAD_FAILED',
    `model ${modelName}: ${subject} has element type "${type}", expected one of float32, float64, float16, int8…int64, uint8…uint64, bool, string — re-export the model with a supported type (for example cast ${type} to int8 or float32)`,
    { details: { subject, expected: 'a supported element type', received: type } },
  );
}

/**
 * Reads a {@link ModelSignature} from onnxruntime's metadata. Named symbolic dimensions keep their
 * names; a dynamic dimension without a name becomes `d0`, `d1`, … numbered across the whole
 * signature, so two unnamed dimensions are never forced to agree. Non-tensor inputs (sequences,
 * maps) cannot be fed and fail with `MODEL_LOAD_FAILED`; non-tensor outputs are left out with a warning.
 * @param session - the session's metadata
 * @param modelName - the model, for messages
 */
export function readOnnxSignature(session: SessionMetadata, modelName: string): OnnxSignature {
  if (!Array.isArray(session.inputMetadata) || !Array.isArray(session.outputMetadata)) {
    throw new ServableError(
      'MODEL_LOAD_FAILED',
      `model ${modelName}: expected onnxruntime to describe the inputs and outputs (inputMetadata), got none — use onnxruntime-node 1.22 or newer`,
    );
  }
  let unnamed = 0;
  const dims = (shape: readonly (number | string)[] | undefined): Dim[] =>
    (shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d.length > 0 ? d : `d${unnamed++}`));
  const warnings: RuntimeWarning[] = [];
  const inputs: TensorSpec[] = session.inputMetadata.map((m) => {
    if (!m.isTensor) {
      throw new ServableError(
        'MODEL_LOAD_FAILED',
        `model ${modelName}: input "${m.name}" expected a tensor, got a non-tensor value (sequence or map) — Servable feeds tensors only; wrap the model so this input is a tensor`,
        { details: { subject: m.name, expected: 'a tensor input', received: 'a sequence or map' } },
      );
    }
    return { name: m.name, dtype: toDType(m.type, `input "${m.name}"`, modelName), shape: dims(m.shape) };
  });
  const outputs: TensorSpec[] = [];
  for (const m of session.outputMetadata) {
    if (!m.isTensor) {
      warnings.push({ type: 'unsupported', setting: `output "${m.name}"`, message: `output "${m.name}" is a sequence or map, which Servable does not return; it is not fetched` });
      continue;
    }
    outputs.push({ name: m.name, dtype: toDType(m.type, `output "${m.name}"`, modelName), shape: dims(m.shape) });
  }
  return { signature: { inputs, outputs }, tensorOutputs: outputs.map((o) => o.name), warnings };
}
