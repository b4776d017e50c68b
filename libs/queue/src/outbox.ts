import type { EntityManager } from 'typeorm';
import { JOB_QUEUE, type OutboxJob } from './queues.js';

/** Writes jobs to the outbox inside the caller's transaction; returns the row ids. */
export async function writeOutbox(
  manager: EntityManager,
  jobs: readonly OutboxJob[],
): Promise<string[]> {
  if (jobs.length === 0) return [];
  const values: unknown[] = [];
  const rows = jobs.map((job, i) => {
    values.push(
      JOB_QUEUE[job.name],
      job.name,
      job.jobId,
      JSON.stringify(job.data),
      new Date(job.notBefore),
    );
    const b = i * 5;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
  });
  const inserted = await manager.query<{ id: string }[]>(
    `INSERT INTO outbox (queue, job_name, job_id, payload, not_before) VALUES ${rows.join(', ')} RETURNING id`,
    values,
  );
  return inserted.map((row) => String(row.id));
}
