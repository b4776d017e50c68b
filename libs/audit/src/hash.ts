import { createHash } from 'node:crypto';

/** The hash that stands before the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit event that its hash covers. */
export interface HashedAuditFields {
  readonly stream: string;
  readonly seq: number;
  readonly instanceId: string | null;
  readonly type: string;
  readonly actor: string;
  readonly elementId: string | null;
  readonly data: unknown;
  /** Epoch milliseconds. */
  readonly at: number;
}

/**
 * sha256 over the previous hash and the event in canonical JSON (keys sorted at every level),
 * so the same event hashes the same after a round trip through jsonb, which reorders keys.
 */
export function auditHash(prevHash: string, event: HashedAuditFields): string {
  const body = canonicalJson({
    stream: event.stream,
    seq: event.seq,
    instanceId: event.instanceId,
    type: event.type,
    actor: event.actor,
    elementId: event.elementId,
    data: event.data,
    at: event.at,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
