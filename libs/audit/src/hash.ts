import { hash } from 'node:crypto';

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
  // canonicalJson of the event, written out: its members in key order, undefined ones left out
  let body = '';
  const member = (key: string, value: unknown) => {
    if (value !== undefined) body += `${body === '' ? '{' : ','}"${key}":${canonicalJson(value)}`;
  };
  member('actor', event.actor);
  member('at', event.at);
  member('data', event.data);
  member('elementId', event.elementId);
  member('instanceId', event.instanceId);
  member('seq', event.seq);
  member('stream', event.stream);
  member('type', event.type);
  return hash('sha256', `${prevHash}\n${body === '' ? '{' : body}}`, 'hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  // Keys in code-unit order (Array.prototype.sort's default); undefined members left out.
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}
