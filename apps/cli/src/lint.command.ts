import { readFile } from 'node:fs/promises';
import {
  BUILT_IN_SERVICE_TASK_TYPES,
  type StaticCall,
  callCycleProblems,
  formatProblem,
  lintBpmn,
  staticCalls,
} from '@app/bpmn';

const TYPES_FLAG = '--service-task-types';

/**
 * `lint [--service-task-types a,b] FILE...`: exit 0 when every file is valid, else 1 with
 * `FILE: ID (bpmn:Type): message` lines. A service task's static type must be built in or
 * one the flag names (as deploy wants it built in or in SERVICE_TASK_TYPES).
 */
export async function lintCommand(args: readonly string[]): Promise<number> {
  const files: string[] = [];
  const serviceTaskTypes = new Set<string>(BUILT_IN_SERVICE_TASK_TYPES);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
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
    process.stderr.write(`usage: cli lint [${TYPES_FLAG} a,b] FILE...\n`);
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
    const { problems, definitions } = await lintBpmn(xml, { serviceTaskTypes });
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
