import type { Env } from '@app/config';
import {
  type JobData,
  OutboxDispatcher,
  QueueName,
  isRedisCluster,
  queueLocation,
} from '@app/queue';
import { ENV, REDIS_CONNECTION, deployTemplates } from '@app/runtime';
import { DeploymentService } from '@app/store';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import {
  maintenanceSchedules,
  RETIRED_SCHEDULES,
  SCHEDULED_JOB_OPTIONS,
} from './maintenance/schedules.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { BulkStartRunner } from './schedules/bulk-starts.service.js';
import { ReminderProcessor } from './processors/reminder.processor.js';
import { RunJobProcessor } from './processors/run-job.processor.js';
import { TimerProcessor } from './processors/timer.processor.js';
import { WebhookProcessor } from './processors/webhook.processor.js';
import { MonthlyKickoff } from './schedules/monthly-kickoff.service.js';
import { scheduledStarts } from './schedules/scheduled-starts.js';
import type { WorkerAppOptions } from './worker-options.js';
import { WORKER_OPTIONS } from './worker.tokens.js';

type Route = (job: Job) => Promise<unknown>;

/** Concurrency of the maintenance queue (one reconcile and one escalation round at a time). */
const MAINTENANCE_CONCURRENCY = 2;
/** Bulk-start batches a worker runs at once (each is CPU here and writes there: two fill both). */
const BULK_START_CONCURRENCY = 2;

/**
 * Lock and stall settings of every worker. A job's lock is renewed every 7.5 s while it runs; a
 * worker killed mid-job (kill -9) leaves its jobs locked until the lock lapses, and another
 * worker's stalled check (every 5 s) puts them back in the queue: recovery within ~20 s instead
 * of BullMQ's default ~60 s. Re-running a job is harmless (every processor is idempotent), so a
 * job may stall 3 times before BullMQ fails it; the reconciler revives even those.
 */
export const WORKER_LOCK_SETTINGS = {
  lockDuration: 15_000,
  stalledInterval: 5_000,
  maxStalledCount: 3,
} as const;

function only(name: string, handle: Route): Route {
  return (job) => {
    if (job.name !== name) {
      return Promise.reject(
        new UnrecoverableError(`queue '${job.queueName}' has no job '${job.name}'`),
      );
    }
    return handle(job);
  };
}

function attemptOf(job: Job): { attemptsMade: number; attempts: number } {
  return { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 };
}

/**
 * The worker's lifecycle: deploys the templates folder at start (idempotent, as the api does),
 * then runs one BullMQ Worker per queue and keeps the cluster-wide maintenance schedules in
 * place; on shutdown closes the workers, letting running jobs finish.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Worker');
  private readonly workers: Worker[] = [];
  private healTimer: NodeJS.Timeout | null = null;
  private healing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(ENV) private readonly env: Env,
    @Inject(REDIS_CONNECTION) private readonly connection: ConnectionOptions,
    @Inject(OutboxDispatcher) private readonly dispatcher: OutboxDispatcher,
    @Inject(DeploymentService) private readonly deployments: DeploymentService,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerAppOptions,
    @Inject(TimerProcessor) private readonly timers: TimerProcessor,
    @Inject(RunJobProcessor) private readonly runJobs: RunJobProcessor,
    @Inject(ReminderProcessor) private readonly reminders: ReminderProcessor,
    @Inject(WebhookProcessor) private readonly webhooks: WebhookProcessor,
    @Inject(MaintenanceProcessor) private readonly maintenance: MaintenanceProcessor,
    @Inject(MonthlyKickoff) private readonly kickoff: MonthlyKickoff,
    @Inject(BulkStartRunner) private readonly bulkStarts: BulkStartRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.deployTemplates();
    if (this.options.autorun === false) return;
    const routes: [QueueName, Route, number][] = [
      [
        QueueName.Timers,
        only('fire-timer', (job) => this.timers.handle(job.data)),
        this.env.WORKER_CONCURRENCY,
      ],
      [
        QueueName.Advance,
        only('run-job', (job) => this.runJobs.handle(job.data, attemptOf(job))),
        this.env.WORKER_CONCURRENCY,
      ],
      [
        QueueName.Reminders,
        only('task-reminder', (job) => this.reminders.handle(job.data)),
        this.env.WORKER_CONCURRENCY,
      ],
      [
        QueueName.Notifications,
        only('deliver-webhook', (job) => this.webhooks.handle(job.data, attemptOf(job))),
        this.env.WORKER_CONCURRENCY,
      ],
      [QueueName.Maintenance, (job) => this.maintenance.handle(job.name), MAINTENANCE_CONCURRENCY],
      [
        QueueName.BulkStarts,
        only('start-batch', (job) => {
          const data = job.data as JobData['start-batch'];
          return this.bulkStarts.runBatch(data.bulkId, data.n);
        }),
        BULK_START_CONCURRENCY,
      ],
    ];
    for (const [queue, route, concurrency] of routes) {
      this.workers.push(this.startWorker(queue, route, concurrency));
    }
    await this.ensureSchedules();
    await this.catchUpMonth();
    // Per replica, but it only checks that the shared schedules exist (they vanish with a
    // Redis flush); the sweeps themselves run once per tick, on whichever worker takes the job.
    this.healTimer = setInterval(() => {
      this.healing = this.ensureSchedules().catch((error: unknown) =>
        this.logger.warn(`could not check the maintenance schedules: ${message(error)}`),
      );
    }, this.env.RECONCILE_INTERVAL_MS);
    this.healTimer.unref();
    const layout = isRedisCluster(this.connection) ? ', a hash tag per queue on the cluster' : '';
    this.logger.log(
      `processing ${routes.map(([queue]) => queue).join(', ')} (prefix ${this.env.BULLMQ_PREFIX}${layout}, concurrency ${this.env.WORKER_CONCURRENCY})`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.healTimer) clearInterval(this.healTimer);
    this.healTimer = null;
    await this.healing;
    // close() waits for the jobs in progress to finish.
    await Promise.all(this.workers.map((worker) => worker.close()));
    this.workers.length = 0;
  }

  /**
   * Upserts each maintenance job scheduler that is missing or has another interval, and removes
   * the schedulers of retired jobs that an older worker left in Redis.
   */
  async ensureSchedules(): Promise<void> {
    const queue = this.dispatcher.queue(QueueName.Maintenance);
    for (const id of RETIRED_SCHEDULES) {
      if (await queue.getJobScheduler(id)) await queue.removeJobScheduler(id);
    }
    for (const schedule of maintenanceSchedules(this.env)) {
      const existing = await queue.getJobScheduler(schedule.id);
      if (existing?.every === schedule.every) continue;
      await queue.upsertJobScheduler(
        schedule.id,
        { every: schedule.every },
        { name: schedule.name, data: {}, opts: SCHEDULED_JOB_OPTIONS },
      );
    }
    for (const schedule of scheduledStarts(this.env)) {
      const existing = await queue.getJobScheduler(schedule.id);
      if (existing?.pattern === schedule.pattern && existing.tz === schedule.tz) continue;
      await queue.upsertJobScheduler(
        schedule.id,
        { pattern: schedule.pattern, tz: schedule.tz },
        { name: schedule.name, data: {}, opts: SCHEDULED_JOB_OPTIONS },
      );
    }
  }

  /**
   * Opens this month's theme days and political birthdays now, in case the worker was down at
   * 00:00 on the 1st (idempotent by business key). A failure is logged; the hourly catch-up
   * schedule tries again.
   */
  private async catchUpMonth(): Promise<void> {
    try {
      const report = await this.kickoff.run();
      this.logger.log(
        `month ${report.month}: started ${report.themeDays.started} theme day(s), ${report.birthdays.started} political birthday(s)`,
      );
    } catch (error) {
      this.logger.warn(`could not open this month's scheduled starts: ${message(error)}`);
    }
  }

  private async deployTemplates(): Promise<void> {
    const report = await deployTemplates(this.deployments, this.env.TEMPLATES_DIR);
    for (const line of report.refused) this.logger.error(`template refused: ${line}`);
    const created = report.deployed.filter((process) => process.created);
    this.logger.log(
      `templates in ${this.env.TEMPLATES_DIR}: ${report.deployed.length} process(es), ${created.length} new version(s)`,
    );
  }

  private startWorker(queue: QueueName, route: Route, concurrency: number): Worker {
    const location = queueLocation(queue, {
      prefix: this.env.BULLMQ_PREFIX,
      connection: this.connection,
    });
    const worker = new Worker(location.name, route, {
      connection: this.connection,
      prefix: location.prefix,
      concurrency,
      autorun: true,
      ...WORKER_LOCK_SETTINGS,
    });
    worker.on('failed', (job, error) => {
      const attempts = job ? `${job.attemptsMade}/${job.opts.attempts ?? 1}` : '?';
      this.logger.warn(
        `${queue}/${job?.name ?? '?'} ${job?.id ?? '?'} failed (attempt ${attempts}): ${error.message}`,
      );
    });
    worker.on('error', (error) => this.logger.error(`${queue}: ${error.message}`));
    return worker;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
