import { SetMetadata } from '@nestjs/common';

/** The session cookie's name. */
export const SESSION_COOKIE = 'bf_session';

/**
 * The header a cookie-authenticated request that changes something must carry (any value):
 * a page of another site cannot send it without a CORS preflight, which the api never grants.
 */
export const CSRF_HEADER = 'x-requested-with';

/** Routes a user who must change their password may still call (me, password, logout). */
export const ALLOW_PENDING_PASSWORD = 'branchflow:allow-pending-password';
export const AllowPendingPassword = () => SetMetadata(ALLOW_PENDING_PASSWORD, true);

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | string[] | undefined, name: string): string | null {
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? null : value;
  }
  return null;
}

/** `Set-Cookie` for a session (maxAgeSeconds) or, with null, one that clears it. */
export function sessionCookie(
  token: string | null,
  maxAgeSeconds: number,
  secure: boolean,
): string {
  return [
    `${SESSION_COOKIE}=${token ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${token === null ? 0 : maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** How the caller authenticated, set by the guard beside the principal. */
export interface SessionInfo {
  readonly kind: 'session' | 'token';
  /** The session's id (kind `session`). */
  readonly sessionId: string | null;
  /** Whether the credential came in the cookie (then unsafe methods need CSRF_HEADER). */
  readonly viaCookie: boolean;
  readonly mustChangePassword: boolean;
}
