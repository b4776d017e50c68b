import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  BUILT_IN_SERVICE_TASK_TYPES,
  type StaticCall,
  callCycleProblems,
  formReferenceProblems,
  formatProblem,
  lintBpmn,
  staticCalls,
} from '@app/bpmn';

const TYPES_FLAG = '--service-task-types';
const FORMS_FLAG = '--forms';

/**
 * `lint [--service-task-types a,b] [--forms DIR] FILE...`: exit 0 when every file is valid,
 * else 1 with `FILE: ID (bpmn:Type): message` lines. A service task's static type must be
 * built in or one the flag names (as deploy wants it built in or in SERVICE_TASK_TYPES). Every
 * form a user task names must be a valid form-js file `<id>.form` of the forms folder (`--forms`,
 * default: `forms/` beside each file), as deploy wants it given or deployed.
 */
export async function lintCommand(args: readonly string[]): Promise<number> {
  const files: string[] = [];
  const serviceTaskTypes = new Set<string>(BUILT_IN_SERVICE_TASK_TYPES);
  let formsFolder: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === FORMS_FLAG || arg.startsWith(`${FORMS_FLAG}=`)) {
      formsFolder = arg === FORMS_FLAG ? (args[++i] ?? '') : arg.slice(FORMS_FLAG.length + 1);
      continue;
    }
    const value =
      arg === TYPES_FLAG
        ? args[++i]
        : arg.startsWith(`${TYPES_FLAG}=`)
          ? arg.slice(TYPES_FLAG.length + 1)
          : null;
    if (value === null) {
      files.push(arg);
      continue;
    }
    for (const type of (value ?? '').split(','))
      if (type.trim() !== '') serviceTaskTypes.add(type.trim());
  }
  if (files.length === 0) {
    process.stderr.write(`usage: cli lint [${TYPES_FLAG} a,b] [${FORMS_FLAG} DIR] FILE...\n`);
    return 2;
  }
  let failed = false;
  // Cycles of static calls across the files (those within one file the file's lint reports).
  const fileOf = new Map<string, string>();
  const calls: StaticCall[] = [];
  for (const file of files) {
    let xml: string;
    try {
      xml = await readFile(file, 'utf8');
    } catch (error) {
      process.stdout.write(`${file}: - (file): cannot read: ${reason(error)}\n`);
      failed = true;
      continue;
    }
    const linted = await lintBpmn(xml, { serviceTaskTypes });
    const { definitions } = linted;
    const problems = [...linted.problems];
    if (definitions) {
      const folder = formsFolder ?? join(dirname(file), 'forms');
      problems.push(
        ...formReferenceProblems(
          Object.values(definitions.processes),
          await readForms(folder),
          `no ${folder}/<id>.form holds it`,
        ),
      );
    }
    for (const problem of problems) process.stdout.write(`${file}: ${formatProblem(problem)}\n`);
    if (problems.length > 0) failed = true;
    for (const graph of Object.values(definitions?.processes ?? {})) {
      fileOf.set(graph.id, file);
      calls.push(...staticCalls(graph));
    }
  }
  for (const [processId, file] of fileOf) {
    const own = calls.filter((call) => fileOf.get(call.processId) === file);
    const reported = new Set(callCycleProblems(own, [processId]).map(formatProblem));
    for (const cycle of callCycleProblems(calls, [processId])) {
      if (reported.has(formatProblem(cycle))) continue;
      process.stdout.write(`${file}: ${formatProblem(cycle)}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export function reason(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') {
    return 'no such file';
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The `*.form` files of a folder by id (the file name without `.form`; a form's own `id` is a
 * second name where no file has it), as the deployment reads a templates folder; a file that
 * is not JSON stands as its text (not a form-js schema). No folder: no forms.
 */
async function readForms(folder: string): Promise<Map<string, unknown>> {
  const forms = new Map<string, unknown>();
  let files: string[];
  try {
    files = (await readdir(folder)).filter((file) => file.endsWith('.form')).sort();
  } catch {
    return forms;
  }
  const aliases: [string, unknown][] = [];
  for (const file of files) {
    const text = await readFile(join(folder, file), 'utf8');
    let form: unknown = text;
    try {
      form = JSON.parse(text);
    } catch {
      // stays text: reported as not a form-js schema where a task names it
    }
    forms.set(basename(file, '.form'), form);
    const id = (form as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id !== '') aliases.push([id, form]);
  }
  for (const [id, form] of aliases) if (!forms.has(id)) forms.set(id, form);
  return forms;
}
