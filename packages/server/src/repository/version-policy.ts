import { ServableError } from '@servable/core';

/**
 * Which versions of a model are served (Triton's version policy): the newest `N`, all of them,
 * or a fixed list. Versions sort numerically when both are numbers, as text otherwise.
 */
export type VersionPolicy =
  | {
      /** Serve the newest this many versions, an integer ≥ 1. */
      readonly latest: number;
    }
  | 'all'
  | {
      /** Serve exactly these versions (folder names; numbers match their decimal text) when present. */
      readonly specific: readonly (string | number)[];
    };

/** Orders version labels: numeric ones by value, then others by text. */
export function compareVersions(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  if (!Number.isNaN(na)) return -1;
  if (!Number.isNaN(nb)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The versions a policy selects among those present, oldest first.
 * @throws ServableError `INVALID_ARGUMENT` for a malformed policy
 */
export function selectVersions(available: readonly string[], policy: VersionPolicy = { latest: 1 }): string[] {
  const sorted = [...available].sort(compareVersions);
  if (policy === 'all') return sorted;
  if (typeof policy === 'object' && policy !== null && 'latest' in policy) {
    if (!Number.isInteger(policy.latest) || policy.latest < 1) {
      throw new ServableError('INVALID_ARGUMENT', `versionPolicy.latest: expected an integer ≥ 1, got ${JSON.stringify(policy.latest)}`);
    }
    return sorted.slice(-policy.latest);
  }
  if (typeof policy === 'object' && policy !== null && 'specific' in policy && Array.isArray(policy.specific)) {
    const wanted = new Set(policy.specific.map(String));
    return sorted.filter((v) => wanted.has(v));
  }
  throw new ServableError('INVALID_ARGUMENT', `versionPolicy: expected { latest: N }, "all" or { specific: [...] }, got ${JSON.stringify(policy)}`);
}
