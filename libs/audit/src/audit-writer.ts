import type { EntityManager } from 'typeorm';
import { GENESIS_HASH, auditHash } from './hash.js';

export interface AuditEventInput {
  readonly type: string;
  readonly actor: string;
  readonly instanceId?: string | null;
  readonly elementId?: string | null;
  readonly data?: Record<string, unknown>;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** The stream of events that belong to no instance (deployments, refusals, ...). */
export const SYSTEM_STREAM = 'system';

/**
 * Appends events to one stream inside the caller's transaction. The stream's head row is
 * locked (`FOR UPDATE`), so concurrent writers of one stream queue up and the chain stays
 * linear; streams of different instances never wait for each other.
 */
export async function appendAudit(
  manager: EntityManager,
  stream: string,
  events: readonly AuditEventInput[],
): Promise<void> {
  if (events.length === 0) return;
  await manager.query(
    `INSERT INTO audit_streams (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING`,
    [stream, GENESIS_HASH],
  );
  const [head] = await manager.query<{ seq: number; hash: string }[]>(
    `SELECT seq, hash FROM audit_streams WHERE stream = $1 FOR UPDATE`,
    [stream],
  );
  let seq = head?.seq ?? 0;
  let hash = head?.hash ?? GENESIS_HASH;
  const columns: unknown[] = [];
  const rows: string[] = [];
  for (const event of events) {
    seq += 1;
    const fields = {
      stream,
      seq,
      instanceId: event.instanceId ?? null,
      type: event.type,
      actor: event.actor,
      elementId: event.elementId ?? null,
      data: event.data ?? {},
      at: event.at,
    };
    const prevHash = hash;
    hash = auditHash(prevHash, fields);
    const base = columns.length;
    rows.push(`(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}`).join(', ')})`);
    columns.push(
      stream,
      seq,
      fields.instanceId,
      fields.type,
      fields.actor,
      fields.elementId,
      JSON.stringify(fields.data),
      new Date(fields.at),
      prevHash,
      hash,
    );
  }
  await manager.query(
    `INSERT INTO audit_events (stream, seq, instance_id, type, actor, element_id, data, at, prev_hash, hash)
     VALUES ${rows.join(', ')}`,
    columns,
  );
  await manager.query(`UPDATE audit_streams SET seq = $2, hash = $3 WHERE stream = $1`, [
    stream,
    seq,
    hash,
  ]);
}
