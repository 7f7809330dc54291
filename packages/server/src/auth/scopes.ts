import { ServableError } from '@servable/core';
import { AUTH_ACTIONS, type AuthAction, type Principal } from './auth-config.js';

/**
 * Checks a scope's form: `action`, `action:*` or `action:<model>`.
 * @throws ServableError `INVALID_ARGUMENT` naming the scope
 */
export function validateScope(scope: unknown, subject: string): string {
  if (typeof scope === 'string') {
    const colon = scope.indexOf(':');
    const action = colon < 0 ? scope : scope.slice(0, colon);
    const model = colon < 0 ? '*' : scope.slice(colon + 1);
    if ((AUTH_ACTIONS as readonly string[]).includes(action) && model.length > 0) return scope;
  }
  throw new ServableError(
    'INVALID_ARGUMENT',
    `${subject}: expected a scope "<action>", "<action>:*" or "<action>:<model>" with action one of ${AUTH_ACTIONS.join(', ')}, got ${JSON.stringify(scope)} — for example "infer:mnist"`,
  );
}

/**
 * True when one of the scopes grants `action` on `model`. Without a model (server-wide routes
 * such as `/v2` or the repository index), any scope for the action grants it; the model `*`
 * (every model) is granted only by `action` or `action:*`.
 */
export function scopesGrant(scopes: readonly string[], action: AuthAction, model?: string): boolean {
  for (const scope of scopes) {
    const colon = scope.indexOf(':');
    const scopeAction = colon < 0 ? scope : scope.slice(0, colon);
    if (scopeAction !== action) continue;
    const scopeModel = colon < 0 ? '*' : scope.slice(colon + 1);
    if (model === undefined || scopeModel === '*' || scopeModel === model) return true;
  }
  return false;
}

/**
 * Checks that the principal may perform `action` (on `model`).
 * @throws ServableError `FORBIDDEN` naming the principal, the scope needed and the scopes held
 */
export function authorize(principal: Principal, action: AuthAction, model?: string): void {
  if (scopesGrant(principal.scopes, action, model)) return;
  const needed = model === undefined ? `"${action}" or "${action}:<model>"` : `"${action}:${model}" or "${action}:*"`;
  throw new ServableError(
    'FORBIDDEN',
    `${principal.kind === 'jwt' ? 'token subject' : 'API key'} "${principal.id}": expected scope ${needed}, got ${principal.scopes.length === 0 ? 'no scopes' : principal.scopes.join(' ')} — grant the scope in the ${principal.kind === 'jwt' ? 'token' : 'key configuration'}`,
    { details: { subject: principal.id, expected: needed } },
  );
}
