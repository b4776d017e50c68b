import type { Env } from '@app/config';
import type { Clock } from '@app/store';
import type { LogLevel, LoggerService } from '@nestjs/common';
import type { DefaultJobOptions } from 'bullmq';
import type { JobHandlers } from './handlers/job-handler.js';

export interface WorkerAppOptions {
  /** The validated environment (loadEnv()). */
  readonly env: Env;
  /** Defaults to the system clock; tests pass one they move. */
  readonly clock?: Clock;
  /** Service-task handlers by job type, added to (or replacing) the built-in ones. */
  readonly handlers?: JobHandlers;
  /** Options of every enqueued job; defaults to DEFAULT_JOB_OPTIONS (tests shorten backoff). */
  readonly jobOptions?: DefaultJobOptions;
  /**
   * Start the BullMQ workers and the maintenance schedules (default true). With false the
   * processors are only callable (`app.get(TimerProcessor).handle(...)`).
   */
  readonly autorun?: boolean;
  /** Timeout of one webhook POST (default 10 s). */
  readonly webhookTimeoutMs?: number;
  /** Defaults to the levels up to env.LOG_LEVEL. */
  readonly logger?: LoggerService | LogLevel[] | false;
}
