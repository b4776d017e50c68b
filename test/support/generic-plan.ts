import { createRequire } from 'node:module';
import type { DataSource } from 'typeorm';

// pg's own text form of a parameter (dates, arrays, JSON), as it sends it to PostgreSQL.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as {
  prepareValue(this: void, value: unknown): string | null;
};

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [
  plan,
  ...(plan.Plans ?? []).flatMap((child) => nodes(child)),
];

/** A parameter as an SQL literal (EXECUTE takes no bound parameters). */
function literal(value: unknown): string {
  const text = prepareValue(value);
  return text === null ? 'NULL' : `'${text.replaceAll("'", "''")}'`;
}

/**
 * The tables a statement's generic plan reads whole (Seq Scan): the plan PostgreSQL makes once
 * for a statement kept prepared and then runs with any values. `values` are what it runs with.
 */
export async function genericPlanSeqScans(
  dataSource: DataSource,
  text: string,
  values: readonly unknown[],
): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query(`SET plan_cache_mode = force_generic_plan`);
    await runner.query(`PREPARE generic_plan_probe AS ${text}`);
    const [row] = (await runner.query(
      `EXPLAIN (FORMAT JSON) EXECUTE generic_plan_probe(${values.map(literal).join(', ')})`,
    )) as { 'QUERY PLAN': [{ Plan: PlanNode }] }[];
    return nodes(row['QUERY PLAN'][0].Plan)
      .filter((node) => node['Node Type'] === 'Seq Scan')
      .map((node) => node['Relation Name'] ?? '?');
  } finally {
    await runner.query(`DEALLOCATE ALL`).catch(() => undefined);
    await runner.query(`RESET plan_cache_mode`).catch(() => undefined);
    await runner.release();
  }
}
