import { createHash, randomBytes } from 'node:crypto';

/** Tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'bf_';

/** A new bearer token: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What is stored of a token. The token is 256 random bits, so one sha256 is enough (a slow
 * password hash protects guessable secrets; these are not guessable).
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
