import { BUILT_IN_SERVICE_TASK_TYPES } from '@app/bpmn';
import { deployTemplates } from '@app/runtime';
import { DefinitionCache, DeploymentService, systemClock } from '@app/store';
import { withDatabase } from './database.js';

const USAGE = 'usage: cli deploy DIR';

/**
 * `deploy DIR`: deploys every `*.bpmn` of a folder with the forms of `DIR/forms/*.form` into
 * DATABASE_URL, as the api and the worker deploy TEMPLATES_DIR at start (one deployment per
 * file, its forms with it; unchanged files are no-ops). One line per process deployed or
 * unchanged, one `FILE: ID (bpmn:Type): message` line per problem of a refused file; exit 0 when
 * nothing was refused, else 1 (the other files are still deployed). Audited as `cli:deploy`.
 */
export async function deployCommand(args: readonly string[]): Promise<number> {
  const [folder, ...rest] = args;
  if (folder === undefined || folder.startsWith('-') || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  return withDatabase(async ({ dataSource, env }) => {
    const deployments = new DeploymentService(
      dataSource,
      new DefinitionCache(dataSource),
      systemClock,
      {
        maxElements: env.TEMPLATE_MAX_ELEMENTS,
        maxDepth: env.TEMPLATE_MAX_DEPTH,
        feelLimits: env.feelLimits,
        timerLimits: env.timerLimits,
        serviceTaskTypes: new Set([...BUILT_IN_SERVICE_TASK_TYPES, ...env.serviceTaskTypes]),
      },
      { maxBytes: env.FORM_MAX_BYTES, maxComponents: env.FORM_MAX_COMPONENTS },
    );
    const report = await deployTemplates(deployments, folder, 'cli:deploy');
    for (const process of report.deployed) {
      const state = process.created ? 'deployed' : 'unchanged';
      globalThis.process.stdout.write(
        `${process.file}: ${process.key} version ${process.version} ${state}\n`,
      );
    }
    for (const line of report.refused) globalThis.process.stdout.write(`${line}\n`);
    return report.refused.length > 0 ? 1 : 0;
  });
}
