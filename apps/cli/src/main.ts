/**
 * The integrator command line: `lint FILE...` and `simulate TEMPLATE.bpmn SCENARIO.json`.
 * Pure work happens in @app/bpmn and @app/engine; this file only reads files and prints.
 */
import { lintCommand } from './lint.command.js';
import { simulateCommand } from './simulate.command.js';

const USAGE = `usage:
  cli lint FILE...                          check BPMN templates; one line per problem
  cli simulate TEMPLATE.bpmn SCENARIO.json  run a template against a scripted clock
  cli db migrate                            apply pending migrations to DATABASE_URL`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'lint':
      return lintCommand(args);
    case 'simulate':
      return simulateCommand(args);
    case 'db':
      // Loaded on demand: lint and simulate need no database driver.
      return (await import('./db.command.js')).dbCommand(args);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command '${command}'\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
