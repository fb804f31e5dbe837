import type { AppDeps } from '../../deps.js';
import type { AuthContext } from '../../http/auth-context.js';

/** Who is calling, and until when the credential holds (seconds since epoch; null when it does not expire by itself). */
export type ResolvedCredentials = AuthContext & { expiresAt: number | null };

/**
 * Resolves an access JWT, a display token or a web-session cookie header into who is calling; null when
 * none is valid. Shared by the HTTP authentication middleware and the Socket.IO handshake.
 * Foundation placeholder until the auth module lands: nothing resolves.
 */
export async function resolveCredentials(
  _deps: AppDeps,
  _input: { token?: string; cookieHeader?: string },
): Promise<ResolvedCredentials | null> {
  return null;
}
