import 'reflect-metadata';
import { type Env, EnvException, loadEnv } from '@app/config';
import { AccountsRepository } from '@app/org';
import { deployTemplates } from '@app/runtime';
import { DeploymentService } from '@app/store';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from './app.factory.js';

/**
 * The HTTP process: validates the environment (a bad variable stops it, naming the
 * variable), deploys the templates folder (a refused file is logged, the rest still deploy),
 * and serves /api. It enqueues work through the outbox; it never processes jobs.
 */
async function bootstrap(): Promise<void> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvException) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new Logger('Api');
  const app = await createApiApp({ env });
  if (env.NODE_ENV === 'production') {
    const wellKnown = await app.get(AccountsRepository).wellKnownCredentials();
    if (wellKnown.length > 0) {
      process.stderr.write(
        `refusing to start with NODE_ENV=production: ${wellKnown.length} well-known development credential(s) are valid (${wellKnown
          .slice(0, 20)
          .join(
            ', ',
          )}${wellKnown.length > 20 ? ', …' : ''}). Revoke them with: npm run -s cli -- token revoke --well-known\n`,
      );
      await app.close();
      process.exit(1);
    }
  }
  app.enableShutdownHooks();
  const report = await deployTemplates(app.get(DeploymentService), env.TEMPLATES_DIR);
  for (const line of report.refused) logger.error(`template refused: ${line}`);
  for (const item of report.deployed) {
    logger.log(
      `template ${item.key} v${item.version} from ${item.file}${item.created ? ' deployed' : ' unchanged'}`,
    );
  }
  await listenOnAllInterfaces(app, env.PORT);
  logger.log(`listening on port ${env.PORT} (OpenAPI at /api/docs)`);
}

/**
 * Every interface, as a Node server listening on a port alone does (Fastify would take
 * `localhost` only): `::`, which takes IPv4 too, or `0.0.0.0` where there is no IPv6.
 */
async function listenOnAllInterfaces(app: NestFastifyApplication, port: number): Promise<void> {
  try {
    await app.listen(port, '::');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
    await app.listen(port, '0.0.0.0');
  }
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `api failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
