import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatProblem } from '@app/bpmn';
import { type DeploymentService, RuntimeException, RuntimeExceptionCode } from '@app/store';

export interface TemplateLoadReport {
  readonly deployed: readonly { file: string; key: string; version: number; created: boolean }[];
  /** One line per problem, as `cli lint` prints them. */
  readonly refused: readonly string[];
}

/**
 * Deploys every `*.bpmn` of the templates folder with its forms (`<folder>/forms/*.form`, by
 * file name, or by the form's own `id`), as `POST /api/templates` deploys a bundle
 * (idempotent: unchanged files and forms are no-ops). A refused file (invalid, or naming a
 * form that is missing or not valid form-js) is reported with the lint lines and skipped; the
 * others still deploy.
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
  const forms = await readForms(join(folder, 'forms'));
  const deployed: { file: string; key: string; version: number; created: boolean }[] = [];
  const refused: string[] = [];
  for (const file of files) {
    const path = join(folder, file);
    try {
      const result = await deployments.deploy(file, await readFile(path, 'utf8'), actor, forms);
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

/**
 * The `*.form` files of a folder by name (the file name without `.form`; a form's own `id` is
 * a second name where no file has it). A file that is not JSON stands as its text, which the
 * deployment refuses as not a form-js schema when a template names it.
 */
export async function readForms(folder: string): Promise<Record<string, unknown>> {
  let files: string[];
  try {
    files = (await readdir(folder)).filter((file) => file.endsWith('.form')).sort();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
  const forms = new Map<string, unknown>();
  const aliases: [string, unknown][] = [];
  for (const file of files) {
    const text = await readFile(join(folder, file), 'utf8');
    let form: unknown;
    try {
      form = JSON.parse(text);
    } catch {
      form = text;
    }
    forms.set(basename(file, '.form'), form);
    const id = (form as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id !== '') aliases.push([id, form]);
  }
  for (const [id, form] of aliases) if (!forms.has(id)) forms.set(id, form);
  return Object.fromEntries(forms);
}
