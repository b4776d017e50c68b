import type { JobData } from '@app/queue';
import { TimeExpressionError, parseDuration } from '@app/time';
import { UnrecoverableError } from 'bullmq';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function record(job: string, data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UnrecoverableError(`${job}: job data must be an object`);
  }
  return data as Record<string, unknown>;
}

function uuid(job: string, data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new UnrecoverableError(`${job}: '${field}' must be a uuid, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Job data arrives from Redis: checked here, and bad input fails at once (no retries). */
export const jobInput = {
  runJob(data: unknown): JobData['run-job'] {
    const d = record('run-job', data);
    return { instanceId: uuid('run-job', d, 'instanceId'), taskId: uuid('run-job', d, 'taskId') };
  },
  fireTimer(data: unknown): JobData['fire-timer'] {
    const d = record('fire-timer', data);
    return {
      instanceId: uuid('fire-timer', d, 'instanceId'),
      timerId: uuid('fire-timer', d, 'timerId'),
    };
  },
  taskReminder(data: unknown): JobData['task-reminder'] {
    const d = record('task-reminder', data);
    const offset = d.offset;
    try {
      if (typeof offset !== 'string') throw new TimeExpressionError('not text');
      parseDuration(offset);
    } catch (error) {
      if (!(error instanceof TimeExpressionError)) throw error;
      throw new UnrecoverableError(
        `task-reminder: 'offset' must be an ISO duration, got ${JSON.stringify(offset)}`,
      );
    }
    return { taskId: uuid('task-reminder', d, 'taskId'), offset };
  },
  deliverWebhook(data: unknown): JobData['deliver-webhook'] {
    const d = record('deliver-webhook', data);
    return { deliveryId: uuid('deliver-webhook', d, 'deliveryId') };
  },
};

/** Where a delivery stands in its retries: attemptsMade earlier attempts of `attempts`. */
export interface Attempt {
  readonly attemptsMade: number;
  readonly attempts: number;
}

/** A processor called directly (not by a queue) has one attempt. */
export const SINGLE_ATTEMPT: Attempt = { attemptsMade: 0, attempts: 1 };

export function isLastAttempt(attempt: Attempt): boolean {
  return attempt.attemptsMade + 1 >= attempt.attempts;
}
