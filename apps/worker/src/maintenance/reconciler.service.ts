import type { Env } from '@app/config';
import { type JobData, type JobName, OutboxDispatcher, QueueName } from '@app/queue';
import { ChannelsRepository } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { type Clock, TasksRepository, TimersRepository } from '@app/store';
import { parseDuration, subtractDuration } from '@app/time';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type Presence, type Revive, ensureJob, forEachLimited } from '../jobs/ensure-job.js';
import { reminderCause } from '../processors/reminder.processor.js';

/** Work left undelivered this long is taken as lost (its enqueue after commit never happened). */
export const STALE_AFTER_MS = 5_000;

/** Rows looked at per kind and sweep; the next sweep takes the rest. */
const BATCH = 1000;
/** Outbox batches per sweep. */
const OUTBOX_ROUNDS = 10;
/** Pages of due timers per sweep (each after the last due time of the one before). */
const TIMER_ROUNDS = 10;
/** Redis round trips in flight at once. */
const WIDTH = 16;

export interface ReconcileReport {
  /** Outbox rows dispatched. */
  readonly outbox: number;
  /** Jobs added, promoted or revived, per kind. */
  readonly timers: number;
  readonly serviceTasks: number;
  readonly reminders: number;
  readonly webhooks: number;
}

interface Wanted<N extends JobName> {
  readonly name: N;
  readonly jobId: string;
  readonly data: JobData[N];
  readonly delay: number;
}

/**
 * Rebuilds what Redis should hold from PostgreSQL, so a Redis flush or a process killed between
 * commit and enqueue loses nothing, and work due too far ahead to be enqueued when it was
 * written (JOBS_AHEAD_MS) is enqueued as it comes near: (a) `fire-timer` for scheduled timers
 * due within the next interval, (b) outbox rows undelivered for a few seconds, (c) `run-job`
 * for open service tasks, (d) default reminders that are due and not yet written, (e) channel
 * deliveries neither sent nor given up (pending, or retrying).
 * Every job has its deterministic id, so an existing job is left alone (or promoted when it is
 * due by the clock but still delayed); running it twice, or on two workers, changes nothing.
 */
@Injectable()
export class Reconciler {
  private readonly tasks: TasksRepository;
  private readonly timers: TimersRepository;
  private readonly channels: ChannelsRepository;

  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(OutboxDispatcher) private readonly dispatcher: OutboxDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {
    this.tasks = new TasksRepository(dataSource);
    this.timers = new TimersRepository(dataSource);
    this.channels = new ChannelsRepository(dataSource);
  }

  async sweep(): Promise<ReconcileReport> {
    const now = this.clock.now();
    const horizon = now + this.env.RECONCILE_INTERVAL_MS;
    const outbox = await this.dispatchStaleOutbox(now);
    const timers = await this.ensure(
      QueueName.Timers,
      await this.dueTimers(now, horizon),
      'always',
    );
    const serviceTasks = await this.ensure(
      QueueName.Advance,
      await this.openServiceTasks(now),
      'stalled',
    );
    const reminders = await this.ensure(
      QueueName.Reminders,
      await this.dueReminders(now, horizon),
      'always',
    );
    const webhooks = await this.ensure(
      QueueName.Notifications,
      await this.pendingDeliveries(now),
      'stalled',
    );
    return { outbox, timers, serviceTasks, reminders, webhooks };
  }

  private async dispatchStaleOutbox(now: number): Promise<number> {
    let total = 0;
    for (let round = 0; round < OUTBOX_ROUNDS; round += 1) {
      const sent = await this.dispatcher.dispatch({
        olderThan: now - STALE_AFTER_MS,
        limit: BATCH,
      });
      total += sent;
      if (sent < BATCH) break;
    }
    return total;
  }

  /**
   * Scheduled timers due by `horizon`: those whose job was not enqueued when they were written
   * (due more than JOBS_AHEAD_MS later) come within it here, and a flushed Redis loses nothing.
   * Page by page, each after the last due time of the one before: the timers of that last
   * instant left out of a full page are fired by the batches of its jobs (TimerProcessor fires
   * every timer due, not only its own).
   */
  private async dueTimers(now: number, horizon: number): Promise<Wanted<'fire-timer'>[]> {
    const timers = [];
    let after: Date | null = null;
    for (let round = 0; round < TIMER_ROUNDS; round += 1) {
      const page = await this.timers.due(new Date(horizon), BATCH, after);
      timers.push(...page);
      if (page.length < BATCH) break;
      after = new Date(page[page.length - 1].dueAt);
    }
    return timers.map((timer) => ({
      name: 'fire-timer',
      jobId: `timer-${timer.id}`,
      data: { instanceId: timer.instanceId, timerId: timer.id },
      delay: timer.dueAt - now,
    }));
  }

  private async openServiceTasks(now: number): Promise<Wanted<'run-job'>[]> {
    const rows = await this.tasks.staleServiceTasks(new Date(now - STALE_AFTER_MS), BATCH);
    return rows.map((row) => ({
      name: 'run-job',
      jobId: `job-${row.id}`,
      data: { instanceId: row.instance_id, taskId: row.id },
      delay: 0,
    }));
  }

  /**
   * Default reminders of open tasks that fall due by `horizon`, that were scheduled when the task
   * was created (their time was after its creation) and whose notification does not exist.
   */
  private async dueReminders(now: number, horizon: number): Promise<Wanted<'task-reminder'>[]> {
    const offsets = this.env.reminderOffsets;
    const zone = this.env.TIME_ZONE;
    const rows = await this.tasks.remindersDue(offsets, zone, new Date(horizon), BATCH);
    return rows.map((row) => {
      const at = subtractDuration(row.due_at.getTime(), parseDuration(row.offset), zone);
      return {
        name: 'task-reminder',
        jobId: reminderCause(row.id, row.offset),
        data: { taskId: row.id, offset: row.offset },
        delay: at - now,
      };
    });
  }

  private async pendingDeliveries(now: number): Promise<Wanted<'deliver-webhook'>[]> {
    const ids = await this.channels.unfinishedDeliveries(new Date(now - STALE_AFTER_MS), BATCH);
    return ids.map((id) => ({
      name: 'deliver-webhook',
      jobId: `webhook-${id}`,
      data: { deliveryId: id },
      delay: 0,
    }));
  }

  /** Ensures each job; returns how many had to be added, promoted or revived. */
  private async ensure<N extends JobName>(
    queueName: QueueName,
    wanted: readonly Wanted<N>[],
    revive: Revive,
  ): Promise<number> {
    const queue = this.dispatcher.queue(queueName);
    let changed = 0;
    await forEachLimited(wanted, WIDTH, async (job) => {
      const presence: Presence = await ensureJob(queue, job.name, job.jobId, job.data, {
        delay: job.delay,
        revive,
      });
      if (presence !== 'present') changed += 1;
    });
    return changed;
  }
}
