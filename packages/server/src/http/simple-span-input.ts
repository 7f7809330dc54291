import type { ModelSignature, Tensor } from '@servable/core';
import { NumericSpan } from '../protocol/numeric-span.js';

/** What {@link resolveSimpleSpans} gives: the body, and the input tensor when the fast path built one. */
export interface ResolvedSimpleBody {
  /** The body, with `inputs` as nested arrays when the reader had read them as a span. */
  readonly body: Record<string, unknown>;
  /** The `inputs` as a float32 tensor, ready for `predict`. */
  readonly tensor?: Tensor;
}

/**
 * A `/predict` body whose `inputs` the fast JSON reader may have read as a {@link NumericSpan}:
 * a float32 tensor with the nesting's shape when the model has one float32 input and the nesting
 * is one example or a batch of them (the SDK's pipeline then treats the tensor exactly as it
 * treats the nested arrays), else the body with the nested arrays themselves.
 */
export function resolveSimpleSpans(body: Record<string, unknown>, signature: () => ModelSignature): ResolvedSimpleBody {
  const span = body.inputs;
  if (!(span instanceof NumericSpan)) return { body };
  if (span.regular && span.values.length > 0) {
    const list = signature().inputs;
    const spec = list.length === 1 ? list[0] : undefined;
    const rank = spec?.shape.length ?? 0;
    const depth = span.shape.length;
    if (spec !== undefined && spec.dtype === 'float32' && (depth === rank || depth === rank - 1)) {
      return { body, tensor: { dtype: 'float32', shape: [...span.shape], data: span.toFloat32() } };
    }
  }
  return { body: { ...body, inputs: span.toJson() } };
}
