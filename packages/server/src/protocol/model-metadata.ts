import type { ModelRegistry } from '../repository/model-registry.js';
import { datatypeOfDtype, metadataShape } from './datatypes.js';

/** OIP model metadata (REST and gRPC share it). */
export interface ModelMetadata {
  readonly name: string;
  readonly versions: string[];
  readonly platform: string;
  readonly inputs: { name: string; datatype: string; shape: number[] }[];
  readonly outputs: { name: string; datatype: string; shape: number[] }[];
  readonly properties: Record<string, string>;
}

/**
 * Metadata of a model (its newest ready version, or the one named). Versions that failed to
 * load are listed in `properties` as `load_error.<version>` so operators see why.
 * @throws ServableError `MODEL_NOT_FOUND` or `MODEL_LOAD_FAILED`
 */
export function modelMetadata(registry: ModelRegistry, name: string, version?: string): ModelMetadata {
  const served = registry.get(name, version);
  const model = served.model!;
  const properties: Record<string, string> = {
    version: served.version,
    runtime: model.report.runtime,
    device: model.report.device,
  };
  for (const v of registry.versions(name)) if (v.error) properties[`load_error.${v.version}`] = v.error;
  const tensor = (s: { name: string; dtype: Parameters<typeof datatypeOfDtype>[0]; shape: readonly (number | string)[] }) => ({
    name: s.name,
    datatype: datatypeOfDtype(s.dtype),
    shape: metadataShape(s.shape),
  });
  return {
    name,
    versions: registry.versions(name).filter((v) => v.state === 'READY').map((v) => v.version),
    platform: `${model.report.format}_${model.report.runtime}`,
    inputs: model.signature.inputs.map(tensor),
    outputs: model.signature.outputs.map(tensor),
    properties,
  };
}
