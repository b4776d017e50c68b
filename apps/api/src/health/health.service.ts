import { DATA_SOURCE, REDIS_CONNECTION, redisClient } from '@app/runtime';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { CheckResultDto } from './dto/health.dto.js';

const TIMEOUT_MS = 2000;

/** Checks the two services the api needs: PostgreSQL (`SELECT 1`) and Redis (`PING`). */
@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly logger = new Logger(HealthService.name);
  private readonly redis: Redis | Cluster;
  private lastRedisError: string | null = null;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REDIS_CONNECTION) connection: ConnectionOptions,
  ) {
    this.redis = redisClient(connection, {
      connectionName: 'branchflow-api-health',
      maxRetriesPerRequest: 1,
      connectTimeout: TIMEOUT_MS,
      // A socket that never connected is otherwise waited for this long at shutdown.
      disconnectTimeout: 200,
      retryStrategy: (times) => Math.min(times * 250, 2000),
    });
    this.redis.on('error', (error: Error) => {
      if (error.message !== this.lastRedisError) this.logger.warn(`redis: ${error.message}`);
      this.lastRedisError = error.message;
    });
    this.redis.on('ready', () => {
      this.lastRedisError = null;
    });
  }

  async check(): Promise<CheckResultDto[]> {
    return Promise.all([
      this.probe('postgres', async () => {
        await this.dataSource.query('SELECT 1');
      }),
      this.probe('redis', async () => {
        await this.redis.ping();
      }),
    ]);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  private async probe(
    check: CheckResultDto['check'],
    action: () => Promise<void>,
  ): Promise<CheckResultDto> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        action(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)),
            TIMEOUT_MS,
          );
        }),
      ]);
      return { check, status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return {
        check,
        status: 'down',
        latencyMs: Math.round(performance.now() - started),
        message: error instanceof Error ? error.message : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
