import 'reflect-metadata';
import { loadEnv } from '@app/config';
import { createWorkerApp } from './worker-app.js';

/**
 * The worker process: no HTTP, only queue processors and schedules. SIGTERM closes it
 * gracefully: the workers stop taking jobs and the running ones finish first.
 */
async function bootstrap(): Promise<void> {
  const app = await createWorkerApp({ env: loadEnv() });
  app.enableShutdownHooks();
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
