import { EnvException, loadEnv } from '@app/config';
import { Supervisor } from './supervisor.js';

/**
 * `npm start`'s last step: the api and the worker side by side, each started again when it
 * dies (the other goes on), both stopped by SIGINT / SIGTERM. The environment is validated
 * here first, so a bad variable stops everything at once, naming it, instead of a restart loop.
 * The services run in process groups of their own (see Supervisor), so this process stops them
 * on SIGINT / SIGTERM and also when its parent goes away (npm killed).
 */
function main(): void {
  try {
    loadEnv();
  } catch (error) {
    if (error instanceof EnvException) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const node = (entry: string) => ({
    command: process.execPath,
    args: ['--import', '@swc-node/register/esm-register', entry],
  });
  const supervisor = new Supervisor({
    services: [
      { name: 'api', ...node('apps/api/src/main.ts') },
      { name: 'worker', ...node('apps/worker/src/main.ts') },
    ],
  });
  let signals = 0;
  const stop = (reason: string) => {
    signals += 1;
    if (signals > 1) {
      process.stdout.write(`[supervisor] ${reason} again: killing the api and the worker\n`);
      supervisor.kill();
      process.exit(130);
    }
    process.stdout.write(`[supervisor] ${reason}: stopping the api and the worker\n`);
    void supervisor.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // `npm start` runs this under npm and a shell; a SIGTERM to npm ends the shell without
  // passing it on, and this process is left to init. Losing the parent means: stop.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent process gone');
  }, 1_000).unref();
  supervisor.start();
}

main();
