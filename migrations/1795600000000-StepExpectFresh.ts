import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `step_expect_fresh(fresh, what)`: raises `serialization_failure` (40001) unless `fresh` is
 * true. A task completion from the runtime's cache (see InstanceRuntime.completeCached) sends
 * its writes in the same round trip as the statement that locks the instance, the task and
 * the audit head; that statement calls this with "the locked rows are as cached", so a stale
 * cache fails the whole implicit transaction before any write takes effect.
 */
export class StepExpectFresh1795600000000 implements MigrationInterface {
  name = 'StepExpectFresh1795600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION step_expect_fresh(fresh boolean, what text) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF fresh IS NOT TRUE THEN
          RAISE EXCEPTION '% changed since it was cached', what
            USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN true;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION step_expect_fresh(boolean, text)`);
  }
}
