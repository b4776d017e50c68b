import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `tokens`: where every running instance stands, one row per live element instance (a token
 * on a task, a gateway waiting to join, a sub-process scope, a timer catch, ...).
 *
 * It is a view over `process_instances.engine_state`, not a table: the engine state is the one
 * row a step locks and rewrites, so a projected copy would cost extra writes on every step and
 * could only ever agree with it or be wrong. The view answers "which instances stand at element
 * X" and feeds the diagram's current-position marks from the same committed state.
 */
export class TokensView1795100000000 implements MigrationInterface {
  name = 'TokensView1795100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW tokens AS
      SELECT i.id AS instance_id,
             e.key AS element_instance_key,
             e.value->>'elementId' AS element_id,
             e.value->>'kind' AS kind,
             e.value->>'processRef' AS process_ref,
             e.value->>'parentKey' AS parent_key,
             e.value->>'state' AS state,
             to_timestamp((e.value->>'activatedAt')::double precision / 1000) AS activated_at,
             i.template_key,
             i.version,
             i.org_unit_id
        FROM process_instances i
       CROSS JOIN LATERAL jsonb_each(i.engine_state->'elements') AS e(key, value)
       WHERE i.state IN ('active', 'incident')`);
    await q.query(
      `CREATE INDEX process_instances_live_idx ON process_instances (template_key)
         WHERE state IN ('active', 'incident')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX process_instances_live_idx`);
    await q.query(`DROP VIEW tokens`);
  }
}
