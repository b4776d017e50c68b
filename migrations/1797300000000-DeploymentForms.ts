import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The forms a deployment carries: every form its user tasks name (`zeebe:formDefinition`),
 * as deployed with it, so a task shows the form of its instance's version and a changed form
 * is a new version (the deployment's checksum covers its forms). Rows are never changed.
 */
export class DeploymentForms1797300000000 implements MigrationInterface {
  name = 'DeploymentForms1797300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deployment_forms (
        deployment_id uuid NOT NULL REFERENCES deployments (id),
        form_id text NOT NULL,
        checksum text NOT NULL,
        json jsonb NOT NULL,
        -- the order forms were deployed in (deployed_at is the business clock's and can tie)
        seq bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (deployment_id, form_id)
      )`);
    await q.query(`CREATE INDEX deployment_forms_latest ON deployment_forms (form_id, seq DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deployment_forms`);
  }
}
