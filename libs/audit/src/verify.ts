import type { EntityManager } from 'typeorm';
import { SYSTEM_STREAM } from './audit-writer.js';
import { CHECKPOINT_EVENT, type CheckpointData, anchorsDigest } from './checkpoint.js';
import { GENESIS_HASH, auditHash } from './hash.js';

export interface BrokenLink {
  /** The audit event's id; null when the link is missing (deleted events or stream). */
  readonly id: string | null;
  readonly stream: string;
  /** The event's seq, or the first missing one. */
  readonly seq: number;
  readonly reason: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  /** Streams with events that were checked. */
  readonly streams: number;
  /** Events verified before the first broken link (or all). */
  readonly events: number;
  /** The first broken link, when there is one. */
  readonly broken: BrokenLink | null;
}

export interface VerifyAuditOptions {
  /** One stream only (it must exist: a stream with no events at all is broken). */
  readonly stream?: string;
  /** These streams only (each must exist), e.g. those of the instances a caller reads. */
  readonly streams?: readonly string[];
  readonly batchSize?: number;
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

interface Link {
  readonly seq: number;
  readonly hash: string;
}

/** What a stream's events must end in: its head in audit_streams and its checkpoint anchor. */
interface Expected {
  readonly head?: Link;
  readonly anchor?: Link;
}

const EVENT_COLUMNS =
  'id, stream, seq, instance_id, type, actor, element_id, data, at, prev_hash, hash';

/** Streams per query in the scoped mode. */
const CHUNK = 500;

/**
 * Recomputes the chains (all streams, one, or a list) in one snapshot and names the first
 * broken link: an event whose stored hash, link to its predecessor or seq does not hold; a
 * stream whose events do not end at its head in `audit_streams` (events deleted at the end,
 * head missing); a stream that no longer reaches its checkpoint anchor (`audit_anchors`), or
 * is gone altogether. Over the whole trail it also checks that the anchors still match the
 * digest of the latest checkpoint event, which catches an anchor deleted with its stream.
 * See docs/audit.md.
 */
export async function verifyAudit(
  manager: EntityManager,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  // One snapshot: heads, anchors and events as of one moment, so concurrent writers never
  // look like tampering.
  return manager.transaction('REPEATABLE READ', async (tx) => {
    const check = new ChainCheck(tx, options.batchSize ?? 5000);
    const listed =
      options.stream !== undefined
        ? [options.stream]
        : options.streams !== undefined
          ? [...new Set(options.streams)]
          : null;
    const broken = listed === null ? await check.all() : await check.listed(listed);
    return { ok: broken === null, streams: check.streams, events: check.events, broken };
  });
}

class ChainCheck {
  streams = 0;
  events = 0;
  private current: {
    stream: string;
    seq: number;
    hash: string;
    id: string;
    expected: Expected;
  } | null = null;
  private checkpoint: { id: string; seq: number; data: CheckpointData } | null = null;

  constructor(
    private readonly tx: EntityManager,
    private readonly batchSize: number,
  ) {}

  /** Every stream, then the anchors against the latest checkpoint. */
  async all(): Promise<BrokenLink | null> {
    let cursor = { stream: '', seq: -1 };
    // Heads and anchors are read range by range in the events' own order (the database's
    // collation decides both), up to the last stream of each batch of events.
    let fetchedUpTo: string | null = null;
    for (;;) {
      const rows = await this.tx.query<Row[]>(
        `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE (stream, seq) > ($1, $2)
          ORDER BY stream, seq LIMIT $3`,
        [cursor.stream, cursor.seq, this.batchSize],
      );
      if (rows.length === 0) break;
      const last = rows[rows.length - 1];
      const expected = await this.expected(fetchedUpTo, last.stream);
      fetchedUpTo = last.stream;
      for (const row of rows) {
        const broken = this.event(row, expected);
        if (broken) return broken;
      }
      // Streams of the range with a head or an anchor and no events
      for (const [stream, links] of expected) {
        const broken = this.eventless(stream, links, false);
        if (broken) return broken;
      }
      cursor = { stream: last.stream, seq: last.seq };
    }
    const broken = this.finish();
    if (broken) return broken;
    for (const [stream, links] of await this.expected(fetchedUpTo, null)) {
      const gone = this.eventless(stream, links, false);
      if (gone) return gone;
    }
    return this.sealed();
  }

  /** The given streams only (each must exist). */
  async listed(streams: readonly string[]): Promise<BrokenLink | null> {
    for (let i = 0; i < streams.length; i += CHUNK) {
      const chunk = streams.slice(i, i + CHUNK);
      const expected = await this.expected(null, null, chunk);
      const seen = new Set<string>();
      let cursor = { stream: '', seq: -1 };
      for (;;) {
        const rows = await this.tx.query<Row[]>(
          `SELECT ${EVENT_COLUMNS} FROM audit_events
            WHERE stream = ANY($4::text[]) AND (stream, seq) > ($1, $2)
            ORDER BY stream, seq LIMIT $3`,
          [cursor.stream, cursor.seq, this.batchSize, chunk],
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          seen.add(row.stream);
          const broken = this.event(row, expected);
          if (broken) return broken;
        }
        const last = rows[rows.length - 1];
        cursor = { stream: last.stream, seq: last.seq };
      }
      const broken = this.finish();
      if (broken) return broken;
      for (const stream of chunk) {
        if (seen.has(stream)) continue;
        const gone = this.eventless(stream, expected.get(stream) ?? {}, true);
        if (gone) return gone;
      }
    }
    return null;
  }

  /**
   * Heads and anchors of the streams in `(after, upTo]` (null: unbounded), or of `streams`, in
   * the database's order of streams.
   */
  private async expected(
    after: string | null,
    upTo: string | null,
    streams?: readonly string[],
  ): Promise<Map<string, Expected>> {
    const params: unknown[] = [];
    const conditions: string[] = [];
    if (streams) conditions.push(`stream = ANY($${params.push(streams)}::text[])`);
    if (after !== null) conditions.push(`stream > $${params.push(after)}`);
    if (upTo !== null) conditions.push(`stream <= $${params.push(upTo)}`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await this.tx.query<
      {
        stream: string;
        head_seq: number | null;
        head_hash: string | null;
        anchor_seq: number | null;
        anchor_hash: string | null;
      }[]
    >(
      `SELECT coalesce(h.stream, a.stream) AS stream, h.seq AS head_seq, h.hash AS head_hash,
              a.seq AS anchor_seq, a.hash AS anchor_hash
         FROM (SELECT stream, seq, hash FROM audit_streams ${where}) h
         FULL JOIN (SELECT stream, seq, hash FROM audit_anchors ${where}) a ON a.stream = h.stream
        ORDER BY 1`,
      params,
    );
    const map = new Map<string, Expected>();
    for (const row of rows) {
      map.set(row.stream, {
        head: row.head_seq === null ? undefined : { seq: row.head_seq, hash: row.head_hash ?? '' },
        anchor:
          row.anchor_seq === null
            ? undefined
            : { seq: row.anchor_seq, hash: row.anchor_hash ?? '' },
      });
    }
    return map;
  }

  /**
   * One event, in (stream, seq) order. A stream's heads and anchors are taken out of
   * `expected` when its first event comes (what stays there has no events).
   */
  private event(row: Row, expected: Map<string, Expected>): BrokenLink | null {
    if (this.current?.stream !== row.stream) {
      const broken = this.finish();
      if (broken) return broken;
      this.current = {
        stream: row.stream,
        seq: 0,
        hash: GENESIS_HASH,
        id: '',
        expected: expected.get(row.stream) ?? {},
      };
      expected.delete(row.stream);
      this.streams += 1;
    }
    const current = this.current;
    const broken = (reason: string): BrokenLink => ({
      id: String(row.id),
      stream: row.stream,
      seq: row.seq,
      reason,
    });
    if (row.seq !== current.seq + 1) {
      return row.seq > current.seq + 1
        ? broken(
            `expected seq ${current.seq + 1}, found ${row.seq}: ${missing(current.seq + 1, row.seq - 1)}`,
          )
        : broken(`expected seq ${current.seq + 1}, found ${row.seq}`);
    }
    if (row.prev_hash !== current.hash)
      return broken('prev_hash does not match the previous event');
    const expectedHash = auditHash(current.hash, {
      stream: row.stream,
      seq: row.seq,
      instanceId: row.instance_id,
      type: row.type,
      actor: row.actor,
      elementId: row.element_id,
      data: row.data,
      at: row.at.getTime(),
    });
    if (expectedHash !== row.hash) return broken('hash does not match the event’s content');
    const anchor = current.expected.anchor;
    if (anchor && anchor.seq === row.seq && anchor.hash !== row.hash) {
      return broken(
        'the event is not the one the last checkpoint anchored: the chain was rewritten',
      );
    }
    if (row.stream === SYSTEM_STREAM && row.type === CHECKPOINT_EVENT) {
      this.checkpoint = { id: String(row.id), seq: row.seq, data: row.data as CheckpointData };
    }
    this.current = { ...current, seq: row.seq, hash: row.hash, id: String(row.id) };
    this.events += 1;
    return null;
  }

  /** The end of the current stream: it must end at its head and reach its anchor. */
  private finish(): BrokenLink | null {
    const current = this.current;
    this.current = null;
    if (!current) return null;
    const { stream, seq, hash, id } = current;
    const { head, anchor } = current.expected;
    const at = (reason: string): BrokenLink => ({ id, stream, seq, reason });
    if (!head) return at('the stream has events but no head in audit_streams (deleted)');
    if (head.seq > seq) {
      return {
        id: null,
        stream,
        seq: seq + 1,
        reason: `${missing(seq + 1, head.seq)}: the head is at seq ${head.seq}, the events end at ${seq}`,
      };
    }
    if (head.seq < seq) return at(`the head is at seq ${head.seq}, but the events go on to ${seq}`);
    if (head.hash !== hash) return at('the head’s hash does not match the last event');
    if (anchor && anchor.seq > seq) {
      return {
        id: null,
        stream,
        seq: seq + 1,
        reason: `${missing(seq + 1, anchor.seq)}: a checkpoint saw the stream at seq ${anchor.seq}, the events end at ${seq}`,
      };
    }
    return null;
  }

  /** A stream with a head or an anchor (or, when listed, asked for) and no events. */
  private eventless(stream: string, expected: Expected, listed: boolean): BrokenLink | null {
    const { head, anchor } = expected;
    const gone = (last: number, why: string): BrokenLink => ({
      id: null,
      stream,
      seq: 1,
      reason: `${missing(1, last)}: ${why}`,
    });
    if (anchor && anchor.seq > 0) {
      return gone(
        anchor.seq,
        head
          ? `the stream has no events, a checkpoint saw it at seq ${anchor.seq}`
          : `the stream is gone (events and head), a checkpoint saw it at seq ${anchor.seq}`,
      );
    }
    if (head && head.seq > 0) {
      return gone(head.seq, `the head is at seq ${head.seq} and the stream has no events`);
    }
    if (listed && !head) {
      return { id: null, stream, seq: 1, reason: 'the stream has no events and no head' };
    }
    return null;
  }

  /** The anchors must still be what the latest checkpoint sealed. */
  private async sealed(): Promise<BrokenLink | null> {
    const now = await anchorsDigest(this.tx);
    const checkpoint = this.checkpoint;
    if (!checkpoint) {
      if (now.streams === 0) return null;
      return {
        id: null,
        stream: SYSTEM_STREAM,
        seq: 0,
        reason: `${now.streams} stream anchors exist but no checkpoint event seals them`,
      };
    }
    const then = checkpoint.data;
    const differences: string[] = [];
    if (now.streams !== then.streams)
      differences.push(`${now.streams} streams, it sealed ${then.streams}`);
    if (now.events !== then.events)
      differences.push(`${now.events} events, it sealed ${then.events}`);
    if (now.digest !== then.digest) differences.push('the digest differs');
    if (differences.length === 0) return null;
    return {
      id: checkpoint.id,
      stream: SYSTEM_STREAM,
      seq: checkpoint.seq,
      reason: `the stream anchors no longer match checkpoint ${then.period}: ${differences.join('; ')} (anchors or whole streams deleted)`,
    };
  }
}

function missing(from: number, to: number): string {
  return from === to ? `event ${from} is missing` : `events ${from}–${to} are missing`;
}
