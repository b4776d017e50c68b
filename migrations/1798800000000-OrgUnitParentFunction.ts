import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `org_unit_parent(unit)`: a unit's parent, for the ledger item a step opens (its assessing
 * unit, 考核部门). It was a scalar subquery in each row of the items' INSERT, and PostgreSQL
 * plans each one: a batch of 500 starts spent 15–50 ms planning its one INSERT of items, more
 * than running it. A PL/pgSQL function is not inlined: it is planned once per session and
 * called per row.
 */
export class OrgUnitParentFunction1798800000000 implements MigrationInterface {
  name = 'OrgUnitParentFunction1798800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION org_unit_parent(unit text) RETURNS text
        LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
        BEGIN
          RETURN (SELECT o.parent_id FROM org_units o WHERE o.id = unit);
        END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION org_unit_parent(text)`);
  }
}
