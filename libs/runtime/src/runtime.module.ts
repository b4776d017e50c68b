import { type Env, loadEnv } from '@app/config';
import { BUILT_IN_SERVICE_TASK_TYPES } from '@app/bpmn';
import { ledgerProjector } from '@app/ledger';
import { OrgDirectory } from '@app/org';
import { OutboxDispatcher } from '@app/queue';
import {
  type Clock,
  DefinitionCache,
  DeploymentService,
  InstanceRuntime,
  createDataSource,
  systemClock,
} from '@app/store';
import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';
import type { DataSource } from 'typeorm';
import { closeRedisConnection, redisConnection } from './redis.js';
import { CLOCK, DATA_SOURCE, ENV, REDIS_CONNECTION } from './tokens.js';

/** What every step is projected onto besides the store's own tables: the ledger (挂账销号). */
export const STEP_PROJECTORS = [ledgerProjector] as const;

export interface RuntimeModuleOptions {
  /** Defaults to loadEnv(process.env). */
  readonly env?: Env;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
  /** Options of every enqueued job; defaults to DEFAULT_JOB_OPTIONS. */
  readonly jobOptions?: DefaultJobOptions;
}

/**
 * What both processes share: the validated environment, the clock, the DataSource, the
 * definition cache, deployment, the step runtime and the outbox dispatcher.
 */
@Global()
@Module({})
export class RuntimeModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Runtime');

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OutboxDispatcher) private readonly dispatcher: OutboxDispatcher,
    @Inject(REDIS_CONNECTION) private readonly redis: ConnectionOptions,
  ) {}

  static forRoot(options: RuntimeModuleOptions = {}): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: ENV, useFactory: () => options.env ?? loadEnv() },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          // ioredis options (one Redis) or the process's one Cluster client (REDIS_CLUSTER_NODES)
          provide: REDIS_CONNECTION,
          inject: [ENV],
          useFactory: (env: Env): ConnectionOptions => redisConnection(env),
        },
        {
          provide: DATA_SOURCE,
          inject: [ENV],
          useFactory: async (env: Env) => {
            const dataSource = createDataSource(env.DATABASE_URL, {
              poolSize: env.DATABASE_POOL_SIZE,
            });
            await dataSource.initialize();
            return dataSource;
          },
        },
        {
          provide: DefinitionCache,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new DefinitionCache(dataSource),
        },
        {
          provide: DeploymentService,
          inject: [DATA_SOURCE, DefinitionCache, CLOCK, ENV],
          useFactory: (dataSource: DataSource, cache: DefinitionCache, clock: Clock, env: Env) =>
            new DeploymentService(
              dataSource,
              cache,
              clock,
              {
                maxElements: env.TEMPLATE_MAX_ELEMENTS,
                maxDepth: env.TEMPLATE_MAX_DEPTH,
                feelLimits: env.feelLimits,
                timerLimits: env.timerLimits,
                serviceTaskTypes: new Set([
                  ...BUILT_IN_SERVICE_TASK_TYPES,
                  ...env.serviceTaskTypes,
                ]),
              },
              { maxBytes: env.FORM_MAX_BYTES, maxComponents: env.FORM_MAX_COMPONENTS },
            ),
        },
        {
          provide: OrgDirectory,
          inject: [DATA_SOURCE, CLOCK],
          useFactory: (dataSource: DataSource, clock: Clock) => new OrgDirectory(dataSource, clock),
        },
        {
          provide: OutboxDispatcher,
          inject: [DATA_SOURCE, ENV, REDIS_CONNECTION, CLOCK],
          useFactory: (
            dataSource: DataSource,
            env: Env,
            connection: ConnectionOptions,
            clock: Clock,
          ) =>
            new OutboxDispatcher(dataSource, {
              connection,
              prefix: env.BULLMQ_PREFIX,
              now: () => clock.now(),
              jobOptions: options.jobOptions,
            }),
        },
        {
          provide: InstanceRuntime,
          inject: [DATA_SOURCE, DefinitionCache, CLOCK, ENV, OutboxDispatcher],
          useFactory: (
            dataSource: DataSource,
            cache: DefinitionCache,
            clock: Clock,
            env: Env,
            dispatcher: OutboxDispatcher,
          ) => {
            const logger = new Logger('Outbox');
            return new InstanceRuntime(
              dataSource,
              cache,
              clock,
              {
                timeZone: env.TIME_ZONE,
                reminderOffsets: env.reminderOffsets,
                projectors: STEP_PROJECTORS,
                stepCacheSize: env.STEP_CACHE_SIZE,
                callActivityMaxDepth: env.CALL_ACTIVITY_MAX_DEPTH,
                stepMaxActivations: env.STEP_MAX_ACTIVATIONS,
                feelLimits: env.feelLimits,
                timerLimits: env.timerLimits,
              },
              dispatcher,
              (error) =>
                logger.warn(
                  `enqueue after commit failed; the reconciler will deliver: ${error instanceof Error ? error.message : String(error)}`,
                ),
            );
          },
        },
      ],
      exports: [
        ENV,
        CLOCK,
        REDIS_CONNECTION,
        DATA_SOURCE,
        DefinitionCache,
        DeploymentService,
        OrgDirectory,
        OutboxDispatcher,
        InstanceRuntime,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
    await closeRedisConnection(this.redis);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.logger.log('closed database and queue connections');
  }
}
