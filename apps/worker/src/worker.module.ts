import { OrgDirectory } from '@app/org';
import type { Env } from '@app/config';
import { LedgerStore } from '@app/ledger';
import { OutboxDispatcher } from '@app/queue';
import { CLOCK, DATA_SOURCE, ENV, RuntimeModule } from '@app/runtime';
import type { Clock } from '@app/store';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EscalationService } from './escalation/escalation.service.js';
import { builtInHandlers } from './handlers/built-in.handlers.js';
import { JobHandlerRegistry } from './handlers/job-handler.js';
import { AuditCheckpointService } from './maintenance/audit-checkpoint.service.js';
import { Reconciler } from './maintenance/reconciler.service.js';
import { Notifier } from './notify/index.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { ReminderProcessor } from './processors/reminder.processor.js';
import { RunJobProcessor } from './processors/run-job.processor.js';
import { TimerProcessor } from './processors/timer.processor.js';
import { WebhookProcessor } from './processors/webhook.processor.js';
import { BulkStartRunner } from './schedules/bulk-starts.service.js';
import { MonthlyKickoff } from './schedules/monthly-kickoff.service.js';
import { WorkerHost } from './worker-host.service.js';
import type { WorkerAppOptions } from './worker-options.js';
import { WORKER_OPTIONS } from './worker.tokens.js';

/** The worker process: every BullMQ processor and the cluster-wide maintenance schedules. */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerAppOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        RuntimeModule.forRoot({
          env: options.env,
          clock: options.clock,
          jobOptions: options.jobOptions,
        }),
      ],
      providers: [
        { provide: WORKER_OPTIONS, useValue: options },
        {
          provide: Notifier,
          inject: [DATA_SOURCE, CLOCK, OutboxDispatcher],
          useFactory: (dataSource: DataSource, clock: Clock, dispatcher: OutboxDispatcher) => {
            const logger = new Logger('Outbox');
            return new Notifier(dataSource, clock, dispatcher, (error) =>
              logger.warn(
                `enqueue after commit failed; the reconciler will deliver: ${error instanceof Error ? error.message : String(error)}`,
              ),
            );
          },
        },
        {
          provide: JobHandlerRegistry,
          inject: [Notifier, OrgDirectory, CLOCK, ENV],
          useFactory: (notifier: Notifier, directory: OrgDirectory, clock: Clock, env: Env) => {
            const registry = new JobHandlerRegistry(
              builtInHandlers(notifier, directory, clock),
              options.handlers ?? {},
            );
            const unserved = env.serviceTaskTypes.filter((type) => !registry.get(type));
            if (unserved.length > 0) {
              new Logger('JobHandlers').warn(
                `SERVICE_TASK_TYPES names types this worker has no handler for: ${unserved.join(', ')} (their jobs end in an incident unless another worker handles them)`,
              );
            }
            return registry;
          },
        },
        TimerProcessor,
        RunJobProcessor,
        ReminderProcessor,
        WebhookProcessor,
        MaintenanceProcessor,
        Reconciler,
        EscalationService,
        AuditCheckpointService,
        {
          provide: LedgerStore,
          inject: [DATA_SOURCE, CLOCK, ENV],
          useFactory: (dataSource: DataSource, clock: Clock, env: Env) =>
            new LedgerStore(dataSource, clock, {
              yellowDays: env.LEDGER_YELLOW_DAYS,
              graceDays: env.LEDGER_GRACE_DAYS,
            }),
        },
        BulkStartRunner,
        MonthlyKickoff,
        WorkerHost,
      ],
    };
  }
}
