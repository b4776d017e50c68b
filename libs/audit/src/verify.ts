import type { EntityManager } from 'typeorm';
import { GENESIS_HASH, auditHash } from './hash.js';

export interface AuditVerification {
  readonly ok: boolean;
  readonly streams: number;
  readonly events: number;
  /** The first broken link, when there is one. */
  readonly broken: {
    readonly id: string;
    readonly stream: string;
    readonly seq: number;
    readonly reason: string;
  } | null;
}

interface Row {
  id: string;
  stream: string;
  seq: number;
  instance_id: string | null;
  type: string;
  actor: string;
  element_id: string | null;
  data: unknown;
  at: Date;
  prev_hash: string;
  hash: string;
}

/**
 * Recomputes every chain (all streams, or one) in order and names the first event whose
 * stored hash, link to its predecessor, or sequence number does not hold.
 */
export async function verifyAudit(
  manager: EntityManager,
  options: { stream?: string; batchSize?: number } = {},
): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 5000;
  let lastStream: string | null = null;
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  let streams = 0;
  let events = 0;
  let cursor: { stream: string; seq: number } = { stream: '', seq: -1 };
  for (;;) {
    const params: unknown[] = [cursor.stream, cursor.seq, batchSize];
    const filter = options.stream === undefined ? '' : 'AND stream = $4';
    if (options.stream !== undefined) params.push(options.stream);
    const rows = await manager.query<Row[]>(
      `SELECT id, stream, seq, instance_id, type, actor, element_id, data, at, prev_hash, hash
         FROM audit_events WHERE (stream, seq) > ($1, $2) ${filter}
        ORDER BY stream, seq LIMIT $3`,
      params,
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.stream !== lastStream) {
        streams += 1;
        lastStream = row.stream;
        lastSeq = 0;
        lastHash = GENESIS_HASH;
      }
      const broken = (reason: string): AuditVerification => ({
        ok: false,
        streams,
        events,
        broken: { id: String(row.id), stream: row.stream, seq: row.seq, reason },
      });
      if (row.seq !== lastSeq + 1) return broken(`expected seq ${lastSeq + 1}, found ${row.seq}`);
      if (row.prev_hash !== lastHash) return broken('prev_hash does not match the previous event');
      const expected = auditHash(lastHash, {
        stream: row.stream,
        seq: row.seq,
        instanceId: row.instance_id,
        type: row.type,
        actor: row.actor,
        elementId: row.element_id,
        data: row.data,
        at: row.at.getTime(),
      });
      if (expected !== row.hash) return broken('hash does not match the event’s content');
      lastSeq = row.seq;
      lastHash = row.hash;
      events += 1;
    }
    const last = rows[rows.length - 1];
    cursor = { stream: last.stream, seq: last.seq };
  }
  return { ok: true, streams, events, broken: null };
}
