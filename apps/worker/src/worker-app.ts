import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { WorkerAppOptions } from './worker-options.js';
import { WorkerModule } from './worker.module.js';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The levels up to and including `level` (env.LOG_LEVEL). */
export function logLevels(level: string): LogLevel[] {
  const index = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, index < 0 ? LEVELS.indexOf('log') + 1 : index + 1);
}

/**
 * Boots the worker: a Nest application context (no HTTP) with every processor; by the time it
 * resolves, the templates are deployed and (unless `autorun: false`) the queues are processed.
 * Used by main.ts and by the tests; close it with `app.close()`.
 */
export async function createWorkerApp(options: WorkerAppOptions): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(WorkerModule.forRoot(options), {
    logger: options.logger ?? logLevels(options.env.LOG_LEVEL),
    abortOnError: false,
  });
}
