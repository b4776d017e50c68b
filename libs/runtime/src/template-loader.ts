import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatProblem } from '@app/bpmn';
import { type DeploymentService, RuntimeException, RuntimeExceptionCode } from '@app/store';

export interface TemplateLoadReport {
  readonly deployed: readonly { file: string; key: string; version: number; created: boolean }[];
  /** One line per problem, as `cli lint` prints them. */
  readonly refused: readonly string[];
}

/**
 * Deploys every `*.bpmn` of the templates folder (idempotent: unchanged files are no-ops).
 * A refused file is reported with the lint lines and skipped; the others still deploy.
 */
export async function deployTemplates(
  deployments: DeploymentService,
  folder: string,
  actor = 'system:startup',
): Promise<TemplateLoadReport> {
  let files: string[];
  try {
    files = (await readdir(folder)).filter((file) => file.endsWith('.bpmn')).sort();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { deployed: [], refused: [] };
    throw error;
  }
  const deployed: { file: string; key: string; version: number; created: boolean }[] = [];
  const refused: string[] = [];
  for (const file of files) {
    const path = join(folder, file);
    try {
      const result = await deployments.deploy(file, await readFile(path, 'utf8'), actor);
      for (const process of result.processes) {
        deployed.push({
          file,
          key: process.key,
          version: process.version,
          created: process.created,
        });
      }
    } catch (error) {
      if (
        error instanceof RuntimeException &&
        error.code === RuntimeExceptionCode.TEMPLATE_INVALID
      ) {
        const problems = (error.details ?? []) as Parameters<typeof formatProblem>[0][];
        refused.push(...problems.map((problem) => `${path}: ${formatProblem(problem)}`));
      } else {
        throw error;
      }
    }
  }
  return { deployed, refused };
}
