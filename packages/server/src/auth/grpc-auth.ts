import { ServableError } from '@servable/core';
import { GRPC_STATUS } from '../errors/status-mapping.js';
import type { AuthAction, Principal } from './auth-config.js';
import type { Authenticator } from './authenticator.js';

/** The part of `@grpc/grpc-js` `Metadata` that the check reads. */
export interface GrpcMetadataLike {
  /** The values of a metadata key (the first is used), empty when the key is absent. */
  get(key: string): (string | Buffer)[];
}

/** The outcome of {@link authorizeGrpcCall}: a principal, or the status to end the call with. */
export type GrpcAuthResult =
  | {
      /** The call is authenticated and allowed. */
      readonly ok: true;
      /** Who is calling. */
      readonly principal: Principal;
    }
  | {
      /** The call must be refused. */
      readonly ok: false;
      /** gRPC status: UNAUTHENTICATED (16) for missing or bad credentials, PERMISSION_DENIED (7) when out of scope. */
      readonly code: typeof GRPC_STATUS.UNAUTHENTICATED | typeof GRPC_STATUS.PERMISSION_DENIED;
      /** The error message, to send as the status details. */
      readonly details: string;
    };

function first(metadata: GrpcMetadataLike, key: string): string | undefined {
  const value = metadata.get(key)[0];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * Checks a gRPC call's credentials (metadata `authorization: Bearer <jwt>` or `x-api-key`)
 * and scope: the same rules as REST, with UNAUTHENTICATED (16) for 401 and
 * PERMISSION_DENIED (7) for 403.
 *
 * @example
 * ```ts
 * const result = await authorizeGrpcCall(authenticator, call.metadata, 'infer', call.request.model_name);
 * if (!result.ok) return callback({ code: result.code, details: result.details });
 * ```
 */
export async function authorizeGrpcCall(authenticator: Authenticator, metadata: GrpcMetadataLike, action: AuthAction, model?: string): Promise<GrpcAuthResult> {
  try {
    const principal = await authenticator.authenticate({ authorization: first(metadata, 'authorization'), apiKey: first(metadata, 'x-api-key') });
    authenticator.authorize(principal, action, model);
    return { ok: true, principal };
  } catch (error) {
    if (ServableError.isInstance(error) && error.code === 'FORBIDDEN') return { ok: false, code: GRPC_STATUS.PERMISSION_DENIED, details: error.message };
    if (ServableError.isInstance(error) && error.code === 'UNAUTHORIZED') return { ok: false, code: GRPC_STATUS.UNAUTHENTICATED, details: error.message };
    throw error;
  }
}
