import type { EntityManager } from 'typeorm';
import { JOB_QUEUE, type OutboxJob, type QueueName } from './queues.js';

/** An outbox row as the dispatcher needs it to enqueue the job. */
export interface OutboxRow {
  readonly id: string;
  readonly queue: QueueName;
  readonly job_name: string;
  readonly job_id: string;
  readonly payload: object;
  readonly not_before: Date;
}

/** The columns of an outbox row that `RETURNING` gives back (as in OutboxRow). */
export const OUTBOX_ROW_COLUMNS = 'id, queue, job_name, job_id, payload, not_before';

/**
 * The INSERT of jobs into the outbox (own `$1 … $n` parameters), `RETURNING` every column the
 * dispatcher needs, so that it can deliver them after commit without reading them again.
 */
export function outboxInsert(jobs: readonly OutboxJob[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const rows = jobs.map((job, i) => {
    params.push(
      JOB_QUEUE[job.name],
      job.name,
      job.jobId,
      JSON.stringify(job.data),
      new Date(job.notBefore),
    );
    const b = i * 5;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
  });
  return {
    sql: `INSERT INTO outbox (queue, job_name, job_id, payload, not_before) VALUES ${rows.join(', ')}
      RETURNING ${OUTBOX_ROW_COLUMNS}`,
    params,
  };
}

/**
 * outboxInsert for the jobs of a batch of steps (a multi-row form, see RowsForm in @app/store):
 * one statement writes every step's jobs from a jsonb array of rows, and each returned row goes
 * back to the step that wrote it by its job id.
 */
export const OUTBOX_ROWS = {
  sql: `INSERT INTO outbox (queue, job_name, job_id, payload, not_before)
     SELECT r.x->>0, r.x->>1, r.x->>2, r.x->3, (r.x->>4)::timestamptz
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r (x, n)
      ORDER BY r.n
     RETURNING ${OUTBOX_ROW_COLUMNS}`,
  /** outboxInsert's parameters (five a job, the payload JSON text already) as rows. */
  rows(params: readonly unknown[]): string {
    const rows: string[] = [];
    for (let i = 0; i < params.length; i += 5) {
      const [queue, name, jobId, payload, notBefore] = params.slice(i, i + 5) as [
        string,
        string,
        string,
        string,
        Date,
      ];
      rows.push(
        `[${JSON.stringify(queue)},${JSON.stringify(name)},${JSON.stringify(jobId)},${payload},"${notBefore.toISOString()}"]`,
      );
    }
    return rows.join(',');
  },
  returns: {
    key: (row: Record<string, unknown>): string => String(row.job_id),
    keys: (params: readonly unknown[]): string[] =>
      params.filter((_, i) => i % 5 === 2).map((jobId) => String(jobId)),
  },
};

/** Writes jobs to the outbox inside the caller's transaction; returns the row ids. */
export async function writeOutbox(
  manager: EntityManager,
  jobs: readonly OutboxJob[],
): Promise<string[]> {
  if (jobs.length === 0) return [];
  const insert = outboxInsert(jobs);
  const inserted = await manager.query<{ id: string }[]>(insert.sql, insert.params);
  return inserted.map((row) => String(row.id));
}
