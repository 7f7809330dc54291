import type { OnnxNodeDevice } from './onnx-node-options.js';

/** What kind of load failure an engine message describes, and what to do about it. */
export interface LoadFailureHint {
  /** `missing-kernel`, `invalid-type`, `unsupported-type`, `training-ops`, `custom-op`, `opset`, `ir-version`, `external-data`, `incomplete` or `unknown`. */
  readonly kind: string;
  /** The fix, in words. */
  readonly fix: string;
}

/** Operators that only training graphs hold: optimizer steps and gradients. */
const TRAINING_OP = /Grad$|Gradient|^(Adam|AdamW|Adagrad|Momentum|SGDOptimizer|SGDOptimizerV2|LambOptimizer|InPlaceAccumulator|InPlaceAccumulatorV2|ZeroGradient|GradientAccumulator|AdamOptimizer)$/;
const TRAINING_DOMAIN = 'ai.onnx.preview.training';

/**
 * Reads onnxruntime's message about a model it could not load and says what to do: a missing
 * kernel, a type the op or the engine does not take, training ops, a custom op, an opset or IR
 * version newer than the engine, a missing external data file, or a file that is not a
 * complete ONNX protobuf. Anything else gets the general advice.
 * @param engine - the engine's message (host paths already removed)
 * @param device - the device the session was created for
 */
export function loadFailureHint(engine: string, device: OnnxNodeDevice): LoadFailureHint {
  let m = /Could not find an implementation for (\S+?)\((\d+)\) node/.exec(engine);
  if (m) {
    return {
      kind: 'missing-kernel',
      fix: `onnxruntime has no ${device} kernel for ${m[1]} (opset ${m[2]}) with the types this graph gives it — re-export with types that kernel takes (float32 runs everywhere; bfloat16 and float16 often only on GPUs)${device === 'cpu' ? ', or load it on a device that has the kernel' : ', or on the CPU'}`,
    };
  }
  m = /(\S+?):(\w+)\(-?\d+\) is not a registered function\/op/.exec(engine);
  if (m) {
    const [, domain, op] = m as unknown as [string, string, string];
    if (domain === TRAINING_DOMAIN || TRAINING_OP.test(op)) {
      return {
        kind: 'training-ops',
        fix: `the graph holds training ops (${domain}:${op}), which inference does not run — export the inference graph instead: model.eval() and torch.onnx.export without training=TrainingMode.TRAINING, or the inference model of onnxruntime-training's artifacts`,
      };
    }
    return {
      kind: 'custom-op',
      fix: `the graph uses ${domain}:${op}, an operator this onnxruntime does not know — register the custom-op library that implements it, or re-export with standard ONNX operators`,
    };
  }
  m = /MLDataType for: (tensor\(\w+\)|\w+) is not currently registered or supported/.exec(engine);
  if (m) {
    return { kind: 'unsupported-type', fix: `onnxruntime does not support ${m[1]} — convert those tensors to a type it supports (float32, float16, int64, bool, …) before exporting` };
  }
  m = /Type Error: Type '([^']+)' of (?:input|output) parameter \(([^)]*)\) of operator \((\w+)\)/.exec(engine);
  if (m) {
    return {
      kind: 'invalid-type',
      fix: `the graph gives ${m[3]} a ${m[1]} value${m[2] ? ` ("${m[2]}")` : ''}, which ONNX's ${m[3]} does not take, so the export is invalid — cast that value (to float32 or int32, for instance) before ${m[3]}, and check the file with onnx.checker.check_model`,
    };
  }
  m = /Opset (\d+) is under development[\s\S]*?support for domain (\S+) is till opset (\d+)/.exec(engine) ?? /opset (\d+)[^.]*?(?:not supported|unsupported)[^.]*?(?:domain (\S+))?[^.]*?(?:opset (\d+))?/i.exec(engine);
  if (m) {
    return {
      kind: 'opset',
      fix: `the model uses opset ${m[1]}${m[3] ? `, and this onnxruntime supports ${m[2] ?? 'ai.onnx'} up to opset ${m[3]}` : ', newer than this onnxruntime supports'} — re-export with an older opset (torch.onnx.export(…, opset_version=${m[3] ?? 17})), or upgrade onnxruntime-node`,
    };
  }
  m = /Unsupported model IR version: (\d+), max supported IR version: (\d+)/.exec(engine);
  if (m) {
    return { kind: 'ir-version', fix: `the file's IR version ${m[1]} is newer than this onnxruntime reads (up to ${m[2]}) — save it with an older onnx package, or upgrade onnxruntime-node` };
  }
  if (/external data|External data path|ExternalData/i.test(engine)) {
    return {
      kind: 'external-data',
      fix: `a file the model keeps its weights in (external data) is missing or lies outside the model folder — put the files the .onnx names beside it, with the names it gives them, and list them in servable.json "files"`,
    };
  }
  if (/protobuf parsing failed|Protobuf parsing failed|failed to parse/i.test(engine)) {
    return { kind: 'incomplete', fix: 'the file is not a complete ONNX protobuf — check that it is a whole .onnx export (not truncated, not a Git LFS pointer, not another format)' };
  }
  return { kind: 'unknown', fix: 'check the file with onnx.checker.check_model, and that its external data files sit beside it' };
}
