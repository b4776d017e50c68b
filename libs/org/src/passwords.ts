import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Longest password taken (bounds the hashing cost of a request). */
export const PASSWORD_MAX_LENGTH = 128;
/** Shortest password taken. */
export const PASSWORD_MIN_LENGTH = 8;

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, ~50–100 ms on one core). */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** The commonest passwords (a tiny list: the policy refuses them whatever the case). */
const COMMONEST = new Set([
  '12345678',
  '123456789',
  '1234567890',
  '11111111',
  '88888888',
  '66666666',
  '00000000',
  'password',
  'password1',
  'passw0rd',
  'qwertyui',
  'qwerty123',
  '1q2w3e4r',
  'abc12345',
  'abcd1234',
  'a1234567',
  'iloveyou',
  'admin123',
  'administrator',
  'welcome1',
  'changeme',
  'branchflow',
  'woaini1314',
  '5201314520',
]);

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url): the parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A hash of nothing anyone knows: an unknown login name costs what a wrong password costs. */
let dummy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored` (constant-time compare). With no stored hash (an unknown
 * login name, a user without a password) a dummy hash is checked instead and false answered.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  const parts = (stored ?? '').split('$');
  if (stored === null || parts.length !== 6 || parts[0] !== 'scrypt') {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await dummy);
    return false;
  }
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Why a new password is refused, or null: length, not the login name, not one of the commonest. */
export function passwordProblem(password: string, loginName: string | null): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  }
  const lower = password.toLowerCase();
  if (loginName !== null && lower.includes(loginName.toLowerCase())) {
    return 'must not contain the login name';
  }
  if (COMMONEST.has(lower) || /^(.)\1*$/.test(password)) {
    return 'is one of the commonest passwords';
  }
  return null;
}
