import type { Middleware } from 'koa';
import type { AppDeps } from '../../deps.js';

/**
 * Authentication: the only writer of ctx.state.auth (and so of the request's tenant).
 * Foundation placeholder: nobody is authenticated until the auth module lands.
 */
export function authentication(_deps: AppDeps): Middleware[] {
  return [];
}
