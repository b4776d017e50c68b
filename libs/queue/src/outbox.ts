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
