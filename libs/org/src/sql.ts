import type { EntityManager } from 'typeorm';

/** The rows of an UPDATE / DELETE … RETURNING (the driver answers `[rows, count]` for those). */
export async function updated<T>(
  tx: EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const result = await tx.query<[T[], number]>(sql, parameters);
  return result[0];
}
