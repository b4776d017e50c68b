import { appendFile } from 'node:fs/promises';
import { addDuration } from '@app/time';
import type { DataSource, EntityManager } from 'typeorm';
import { SYSTEM_STREAM } from './audit-writer.js';
import {
  type AuditCheckpoint,
  type CheckpointData,
  checkpointPeriod,
  writeCheckpoint,
} from './checkpoint.js';

/** What is exported of a checkpoint: one JSON line of the file, the body of the webhook POST. */
export interface CheckpointRecord extends AuditCheckpoint {
  readonly type: 'audit.checkpoint';
}

export function checkpointRecord(checkpoint: AuditCheckpoint): CheckpointRecord {
  return { type: 'audit.checkpoint', ...checkpoint };
}

/** Where checkpoints go after the commit (empty strings: nowhere). */
export interface CheckpointExport {
  readonly file: string;
  readonly webhook: string;
  readonly webhookTimeoutMs: number;
}

/** The checkpoint settings of the environment (AUDIT_CHECKPOINT_*), as the worker reads them. */
export interface CheckpointSettings {
  readonly AUDIT_CHECKPOINT_EVERY: string;
  readonly AUDIT_CHECKPOINT_FILE: string;
  readonly AUDIT_CHECKPOINT_WEBHOOK: string;
  readonly AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS: number;
}

/** AUDIT_CHECKPOINT_EVERY in milliseconds (fixed-length units only, so the zone is moot). */
export function checkpointEveryMs(
  settings: Pick<CheckpointSettings, 'AUDIT_CHECKPOINT_EVERY'>,
): number {
  return addDuration(0, settings.AUDIT_CHECKPOINT_EVERY, 'UTC');
}

/** Where the settings say checkpoints are exported. */
export function checkpointExport(settings: CheckpointSettings): CheckpointExport {
  return {
    file: settings.AUDIT_CHECKPOINT_FILE,
    webhook: settings.AUDIT_CHECKPOINT_WEBHOOK,
    webhookTimeoutMs: settings.AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS,
  };
}

/**
 * An export that failed. The checkpoint itself is committed; the message names the target
 * (the variable), never the webhook's URL, which may carry a key.
 */
export class CheckpointExportError extends Error {
  constructor(
    readonly checkpoint: AuditCheckpoint,
    readonly failures: readonly string[],
  ) {
    super(
      `audit checkpoint seq ${checkpoint.seq} (period ${checkpoint.period}) is in the database ` +
        `but its export failed: ${failures.join('; ')}`,
    );
    this.name = 'CheckpointExportError';
  }
}

/** Bytes of a refusing webhook's answer quoted in the error; the rest is never read. */
const ANSWER_EXCERPT_BYTES = 200;

/**
 * POSTs a checkpoint record, bounded: no answer within `timeoutMs` fails, a redirect is a
 * failure (never followed: the record goes only where it was configured to), a 2xx is
 * success without reading its body, and at most ANSWER_EXCERPT_BYTES of any other answer is
 * read for the message.
 */
export async function postCheckpoint(
  url: string,
  record: CheckpointRecord,
  timeoutMs: number,
): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(record),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw new Error(requestFailure(error, timeoutMs));
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${response.status}: a redirect, which is not followed`);
  }
  const excerpt = await readAtMost(response, ANSWER_EXCERPT_BYTES);
  throw new Error(`HTTP ${response.status}${excerpt === '' ? '' : `: ${excerpt}`}`);
}

function requestFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
}

/** The first `limit` bytes of a body as text (control characters dropped); the rest unread. */
async function readAtMost(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body cut short (or the timeout) leaves what was read
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks)
    .subarray(0, limit)
    .toString('utf8')
    .replace(/[\p{Cc}\uFFFD]+/gu, ' ')
    .trim();
}

/**
 * Exports a committed checkpoint to each configured target: a JSON line appended to the file,
 * a POST to the webhook. Each target is tried even when the other fails; any failure throws a
 * CheckpointExportError naming the targets that failed.
 */
export async function exportCheckpoint(
  checkpoint: AuditCheckpoint,
  target: CheckpointExport,
): Promise<void> {
  const record = checkpointRecord(checkpoint);
  const failures: string[] = [];
  if (target.file !== '') {
    try {
      await appendFile(target.file, `${JSON.stringify(record)}\n`, 'utf8');
    } catch (error) {
      failures.push(
        `AUDIT_CHECKPOINT_FILE: ${(error as { code?: string }).code ?? (error as Error).message}`,
      );
    }
  }
  if (target.webhook !== '') {
    try {
      await postCheckpoint(target.webhook, record, target.webhookTimeoutMs);
    } catch (error) {
      failures.push(`AUDIT_CHECKPOINT_WEBHOOK: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new CheckpointExportError(checkpoint, failures);
}

/** The checkpoint taken for `period`, as it was written; null when there is none. */
export async function findCheckpoint(
  manager: EntityManager,
  period: string,
): Promise<AuditCheckpoint | null> {
  const [row] = await manager.query<
    { seq: number; at: Date; hash: string; data: CheckpointData }[]
  >(
    `SELECT c.seq, c.at, e.hash, e.data
       FROM audit_checkpoints c
       JOIN audit_events e ON e.stream = $2 AND e.seq = c.seq
      WHERE c.period = $1`,
    [period, SYSTEM_STREAM],
  );
  if (!row) return null;
  const { streams, events, digest } = row.data;
  return {
    period,
    streams,
    events,
    digest,
    at: new Date(row.at).toISOString(),
    seq: row.seq,
    hash: row.hash,
  };
}

/**
 * Takes the checkpoint of the period `at` falls in (periods of `everyMs` from the epoch) and,
 * after the commit, exports it. Once per period: when the period already has one, nothing is
 * written or exported, and `taken` is false with the existing checkpoint.
 */
export async function takeCheckpoint(
  dataSource: DataSource,
  input: { at: number; everyMs: number; actor?: string; export: CheckpointExport },
): Promise<{ taken: boolean; checkpoint: AuditCheckpoint }> {
  const period = checkpointPeriod(input.at, input.everyMs);
  const written = await dataSource.transaction((manager) =>
    writeCheckpoint(manager, { period, at: input.at, actor: input.actor }),
  );
  if (!written) {
    const existing = await findCheckpoint(dataSource.manager, period);
    if (!existing)
      throw new Error(`the checkpoint of period ${period} is recorded but its event is missing`);
    return { taken: false, checkpoint: existing };
  }
  await exportCheckpoint(written, input.export);
  return { taken: true, checkpoint: written };
}

/**
 * Whether the audit tables hold anything of `stream` (an event, a head, an anchor), or it is the
 * system stream. A stream whose every trace was deleted is not recorded here; its instance or
 * hand-opened ledger item, if it still exists, makes it known (that verifies as broken, not as
 * unknown) — the callers look that up in the instances' and the ledger's repositories.
 */
export async function auditStreamRecorded(
  manager: EntityManager,
  stream: string,
): Promise<boolean> {
  if (stream === SYSTEM_STREAM) return true;
  const [row] = await manager.query<{ found: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM audit_events WHERE stream = $1)
         OR EXISTS (SELECT 1 FROM audit_streams WHERE stream = $1)
         OR EXISTS (SELECT 1 FROM audit_anchors WHERE stream = $1) AS found`,
    [stream],
  );
  return row?.found === true;
}
