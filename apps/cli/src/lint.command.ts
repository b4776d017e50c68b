import { readFile } from 'node:fs/promises';
import { formatProblem, lintBpmn } from '@app/bpmn';

/** `lint FILE...`: exit 0 when every file is valid, else 1 with `FILE: ID (bpmn:Type): message` lines. */
export async function lintCommand(files: readonly string[]): Promise<number> {
  if (files.length === 0) {
    process.stderr.write('usage: cli lint FILE...\n');
    return 2;
  }
  let failed = false;
  for (const file of files) {
    let xml: string;
    try {
      xml = await readFile(file, 'utf8');
    } catch (error) {
      process.stdout.write(`${file}: - (file): cannot read: ${reason(error)}\n`);
      failed = true;
      continue;
    }
    const { problems } = await lintBpmn(xml);
    for (const problem of problems) process.stdout.write(`${file}: ${formatProblem(problem)}\n`);
    if (problems.length > 0) failed = true;
  }
  return failed ? 1 : 0;
}

export function reason(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') {
    return 'no such file';
  }
  return error instanceof Error ? error.message : String(error);
}
