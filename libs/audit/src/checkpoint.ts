import type { EntityManager } from 'typeorm';
import { SYSTEM_STREAM, appendAudit } from './audit-writer.js';

/** The type of the system-stream event a checkpoint writes. */
export const CHECKPOINT_EVENT = 'audit.checkpoint';

/** What a checkpoint event records (its `data`): the seal over every stream's anchor. */
export interface CheckpointData {
  /** The period it stands for: the ISO start of `[start, start + every)`. */
  readonly period: string;
  /** Streams anchored (every stream ever checkpointed, deleted ones included). */
  readonly streams: number;
  /** The sum of the anchored seqs: the events the anchors vouch for. */
  readonly events: number;
  /** sha256 over `stream\tseq\thash` of each anchor, one per line, by stream (code points). */
  readonly digest: string;
}

/** A checkpoint as written (and exported): its data and where it sits in the system stream. */
export interface AuditCheckpoint extends CheckpointData {
  /** ISO time it was taken. */
  readonly at: string;
  /** Its seq and hash in the system stream: anchoring them anchors everything before. */
  readonly seq: number;
  readonly hash: string;
}

/**
 * The digest over the anchors, in one statement (PostgreSQL's own sha256; the same SQL for the
 * checkpoint and the verification). Sorted by code point (`COLLATE "C"`), not the database's
 * collation, so that an exported digest can be recomputed anywhere.
 */
export const ANCHORS_DIGEST_SQL = `
  SELECT count(*)::int AS streams, coalesce(sum(seq), 0)::bigint AS events,
         encode(sha256(convert_to(coalesce(
           string_agg(stream || E'\\t' || seq || E'\\t' || hash, E'\\n' ORDER BY stream COLLATE "C"),
           ''), 'UTF8')), 'hex') AS digest
    FROM audit_anchors`;

/** Reads the digest over the anchors as they stand. */
export async function anchorsDigest(
  manager: EntityManager,
): Promise<Omit<CheckpointData, 'period'>> {
  const [row] =
    await manager.query<{ streams: number; events: string; digest: string }[]>(ANCHORS_DIGEST_SQL);
  return { streams: row.streams, events: Number(row.events), digest: row.digest };
}

/**
 * Moves every anchor forward to its stream's head — only forward, and only when the event the
 * anchor names is still there with the hash it had: a stream whose head went back, or whose
 * anchored event was deleted or rewritten, keeps its old anchor (and keeps failing
 * verification). A stream deleted with its head row keeps its anchor too. Only streams whose
 * head moved since the last checkpoint are written.
 */
const ADVANCE_ANCHORS_SQL = `
  INSERT INTO audit_anchors AS a (stream, seq, hash)
  SELECT stream, seq, hash FROM audit_streams WHERE seq > 0
  ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
   WHERE excluded.seq > a.seq
     AND EXISTS (SELECT 1 FROM audit_events e
                  WHERE e.stream = a.stream AND e.seq = a.seq AND e.hash = a.hash)`;

/** The start of the period `now` falls in, for periods of `everyMs` counted from the epoch. */
export function checkpointPeriod(now: number, everyMs: number): string {
  return new Date(Math.floor(now / everyMs) * everyMs).toISOString();
}

/**
 * Takes the checkpoint of `period` inside the caller's transaction: advances the anchors,
 * seals them with an `audit.checkpoint` event on the system stream (itself chained) and marks
 * the period done. Checkpoints queue on one advisory lock; a period already checkpointed
 * writes nothing and answers null.
 */
export async function writeCheckpoint(
  manager: EntityManager,
  input: { period: string; at: number; actor?: string },
): Promise<AuditCheckpoint | null> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext('branchflow.audit-checkpoint'))`);
  const done = await manager.query<unknown[]>(`SELECT 1 FROM audit_checkpoints WHERE period = $1`, [
    input.period,
  ]);
  if (done.length > 0) return null;
  await manager.query(ADVANCE_ANCHORS_SQL);
  const data: CheckpointData = { period: input.period, ...(await anchorsDigest(manager)) };
  const head = await appendAudit(manager, SYSTEM_STREAM, [
    { type: CHECKPOINT_EVENT, actor: input.actor ?? 'system', at: input.at, data: { ...data } },
  ]);
  if (!head) throw new Error('the checkpoint event was not written');
  await manager.query(`INSERT INTO audit_checkpoints (period, seq, at) VALUES ($1, $2, $3)`, [
    input.period,
    head.seq,
    new Date(input.at).toISOString(),
  ]);
  return { ...data, at: new Date(input.at).toISOString(), seq: head.seq, hash: head.hash };
}
