import type { Env } from '@app/config';

/** The maintenance job that starts the month's theme days and political birthdays. */
export const MONTHLY_KICKOFF_JOB = 'monthly-kickoff';

export interface CronSchedule {
  /** Stable job scheduler id: every replica upserts the same one, so it runs once per tick. */
  readonly id: string;
  readonly name: typeof MONTHLY_KICKOFF_JOB;
  /** Cron pattern (minute hour day-of-month month day-of-week) in `tz`. */
  readonly pattern: string;
  readonly tz: string;
}

/**
 * Scheduled starts, cluster-wide on the `maintenance` queue: the kick-off at 00:00 on the 1st of
 * each month in TIME_ZONE, and an hourly catch-up running the same (idempotent) kick-off, so a
 * month whose 00:00 was missed (worker down, Redis flushed, a template deployed later in the
 * month) is still opened within the hour. The worker also runs it once when it starts.
 */
export function scheduledStarts(env: Env): CronSchedule[] {
  return [
    { id: 'monthly-kickoff', name: MONTHLY_KICKOFF_JOB, pattern: '0 0 1 * *', tz: env.TIME_ZONE },
    {
      id: 'monthly-kickoff-catch-up',
      name: MONTHLY_KICKOFF_JOB,
      pattern: '30 * * * *',
      tz: env.TIME_ZONE,
    },
  ];
}
