/** What a request asks to do; scopes grant actions per model. */
export type AuthAction = 'infer' | 'metadata' | 'admin' | 'explain' | 'generate';

/** The actions a scope may name. */
export const AUTH_ACTIONS: readonly AuthAction[] = ['infer', 'metadata', 'admin', 'explain', 'generate'];

/** JWT signature algorithms the server verifies. */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** One API key, stored hashed. */
export interface ApiKeyEntry {
  /** Who holds the key (becomes {@link Principal.id}; the rate-limit bucket). */
  readonly id: string;
  /** `sha256:<hex>` or the `scrypt$…` form that {@link hashApiKey} writes; never the key itself. */
  readonly hash: string;
  /**
   * What the key may do: `action:model` (`infer:mnist`), `action:*` or a bare `action` (every
   * model), where action is one of `infer`, `metadata`, `admin`, `explain`, `generate`.
   */
  readonly scopes: readonly string[];
}

/** Bearer-token verification; exactly the listed algorithms are accepted. */
export interface JwtConfig {
  /** Accepted algorithms (pinned: a token with another `alg`, `none` included, is refused). */
  readonly algorithms: readonly JwtAlgorithm[];
  /** HS256 shared secret (at least 32 bytes of text). */
  readonly secret?: string;
  /** RS256/ES256: a JSON Web Key Set file (`{"keys": [...]}`); the token's `kid` picks the key. */
  readonly jwksFile?: string;
  /** RS256/ES256: a PEM public key file (SPKI), when there is a single key. */
  readonly publicKeyFile?: string;
  /** Required `aud` claim. */
  readonly audience: string | readonly string[];
  /** Required `iss` claim. */
  readonly issuer: string | readonly string[];
  /** Allowed clock skew for `exp`/`nbf` in seconds (default 30). */
  readonly clockToleranceSec?: number;
}

/** Requests per key per time window; beyond it 429 with `Retry-After`. */
export interface RateLimitConfig {
  /** Requests allowed per window and principal. */
  readonly max: number;
  /** Window length in milliseconds. */
  readonly timeWindowMs: number;
}

/**
 * Access control of the server. With neither `apiKeys` nor `jwt`, every protected route
 * answers 401: configure at least one, or do not enable auth.
 */
export interface AuthConfig {
  /** API keys (header `x-api-key`, or `Authorization: ApiKey <key>`). */
  readonly apiKeys?: readonly ApiKeyEntry[];
  /** JWT bearer tokens (header `Authorization: Bearer <jwt>`). */
  readonly jwt?: JwtConfig;
  /** Per-principal rate limit (REST only). */
  readonly rateLimit?: RateLimitConfig;
  /** Require the `admin` action for `GET /metrics` (default false: metrics stay open). */
  readonly protectMetrics?: boolean;
}

/** Who made a request, once authenticated. */
export interface Principal {
  /** The API key's `id`, or the token's `sub`. */
  readonly id: string;
  /** The granted scopes. */
  readonly scopes: readonly string[];
  /** How the principal authenticated. */
  readonly kind: 'api-key' | 'jwt';
}

/** The credentials a request carries. */
export interface Credentials {
  /** The `Authorization` header (`Bearer <jwt>` or `ApiKey <key>`). */
  readonly authorization?: string;
  /** The `x-api-key` header. */
  readonly apiKey?: string;
}
