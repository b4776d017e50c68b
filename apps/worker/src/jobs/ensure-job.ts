import type { Queue } from 'bullmq';

export type Presence = 'added' | 'promoted' | 'revived' | 'present';

export interface EnsureOptions {
  /** ms from now until the job may run (0: due now). */
  readonly delay: number;
  /**
   * What to do, when the work is due, with a finished job although PostgreSQL says the work is
   * still undone: `always` removes it and enqueues it afresh (engine work that must happen:
   * timers, reminders); `stalled` only when BullMQ failed it for stalling (its worker died
   * mid-job more often than `maxStalledCount`), so a handler's own failures stay failed and
   * visible; `never` leaves it.
   */
  readonly revive: Revive;
}

export type Revive = 'always' | 'stalled' | 'never';

/** BullMQ's failedReason for a job whose worker died under it too often. */
export const STALLED_REASON = 'job stalled more than allowable limit';

/**
 * Makes sure a job with this deterministic id is in the queue, from PostgreSQL's view of what is
 * pending: added when missing (e.g. after a Redis flush), promoted when it is delayed although
 * due now (the delay was computed from an earlier reading of the clock; retry backoffs are left
 * alone), left as it is otherwise. Idempotent: several reconcilers may do this at once.
 */
export async function ensureJob(
  queue: Queue,
  name: string,
  jobId: string,
  data: object,
  options: EnsureOptions,
): Promise<Presence> {
  const delay = Math.max(0, Math.round(options.delay));
  const state = await queue.getJobState(jobId);
  switch (state) {
    case 'unknown':
      await queue.add(name, data, { jobId, delay });
      return 'added';
    case 'delayed': {
      if (delay > 0) return 'present';
      const job = await queue.getJob(jobId);
      if (!job || job.attemptsMade > 0) return 'present';
      try {
        await job.promote();
      } catch (error) {
        // It left the delayed set meanwhile (promoted by someone else, or running): fine.
        if ((await queue.getJobState(jobId)) === 'delayed') throw error;
      }
      return 'promoted';
    }
    case 'completed':
    case 'failed': {
      if (options.revive === 'never' || delay > 0) return 'present';
      const job = await queue.getJob(jobId);
      if (options.revive === 'stalled' && job?.failedReason !== STALLED_REASON) return 'present';
      if (job) await job.remove();
      await queue.add(name, data, { jobId, delay: 0 });
      return 'revived';
    }
    case 'active':
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'present';
  }
}

/** Runs `work` over items, `width` at a time; every item is tried, then the first error thrown. */
export async function forEachLimited<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const errors: unknown[] = [];
  for (let i = 0; i < items.length; i += width) {
    const results = await Promise.allSettled(items.slice(i, i + width).map(work));
    for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} items failed`);
}
