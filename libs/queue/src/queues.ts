/** Queue names (kebab-case). Every job's data carries ids only, never whole records. */
export enum QueueName {
  /** Service-task jobs: run the handler, then report back to the engine. */
  Advance = 'process-advance',
  /** Engine timers falling due. */
  Timers = 'timers',
  /** Default reminders before a task's due date. */
  Reminders = 'reminders',
  /** Webhook deliveries (WeCom / DingTalk group robots). */
  Notifications = 'notifications',
  /** Cluster-wide recurring sweeps (reconciler, overdue escalation), one job per tick. */
  Maintenance = 'maintenance',
  /** Batches of a bulk start (the monthly kick-off, a directive to a subtree): one job each. */
  BulkStarts = 'bulk-starts',
}

export interface JobData {
  'run-job': { readonly instanceId: string; readonly taskId: string };
  'fire-timer': { readonly instanceId: string; readonly timerId: string };
  'task-reminder': { readonly taskId: string; readonly offset: string };
  'deliver-webhook': { readonly deliveryId: string };
  'start-batch': { readonly bulkId: string; readonly n: number };
}

export type JobName = keyof JobData;

/** The queue each job goes to. */
export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  'run-job': QueueName.Advance,
  'fire-timer': QueueName.Timers,
  'task-reminder': QueueName.Reminders,
  'deliver-webhook': QueueName.Notifications,
  'start-batch': QueueName.BulkStarts,
};

/** A job as the outbox holds it: deterministic id (no `:`, never all digits). */
export interface OutboxJob<N extends JobName = JobName> {
  readonly name: N;
  readonly jobId: string;
  readonly data: JobData[N];
  /** Epoch ms before which the job must not run (a delayed job). */
  readonly notBefore: number;
}

export function outboxJob<N extends JobName>(
  name: N,
  jobId: string,
  data: JobData[N],
  notBefore: number,
): OutboxJob<N> {
  if (jobId.includes(':') || /^\d+$/.test(jobId)) {
    throw new Error(`job id '${jobId}' must not contain ':' or be all digits`);
  }
  return { name, jobId, data, notBefore };
}
