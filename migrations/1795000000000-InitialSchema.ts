import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable runtime's tables. PostgreSQL is the source of truth: an instance's engine state
 * (jsonb) is written in the same transaction as the rows projected from its effects (tasks,
 * timers, audit events, outbox), under a lock on the instance row.
 */
export class InitialSchema1795000000000 implements MigrationInterface {
  name = 'InitialSchema1795000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deployments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        checksum text NOT NULL,
        xml text NOT NULL,
        deployed_by text NOT NULL,
        deployed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deployments_name_idx ON deployments (name, deployed_at DESC)`);
    await q.query(`
      CREATE TABLE process_definitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        name text,
        deployment_id uuid NOT NULL REFERENCES deployments (id),
        checksum text NOT NULL,
        graph jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT process_definitions_key_version_uq UNIQUE (key, version)
      )`);
    await q.query(`
      CREATE TYPE instance_state AS ENUM ('active', 'incident', 'completed', 'terminated')`);
    await q.query(`
      CREATE TABLE process_instances (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        definition_id uuid NOT NULL REFERENCES process_definitions (id),
        template_key text NOT NULL,
        version integer NOT NULL,
        business_key text,
        org_unit_id text,
        state instance_state NOT NULL,
        engine_state jsonb NOT NULL,
        variables jsonb NOT NULL DEFAULT '{}'::jsonb,
        revision integer NOT NULL DEFAULT 1,
        started_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz
      )`);
    await q.query(`
      CREATE UNIQUE INDEX process_instances_business_key_uq
        ON process_instances (template_key, business_key) WHERE business_key IS NOT NULL`);
    await q.query(`CREATE INDEX process_instances_state_idx ON process_instances (state)`);
    await q.query(`CREATE TYPE task_kind AS ENUM ('user', 'service')`);
    await q.query(`CREATE TYPE task_state AS ENUM ('open', 'completed', 'cancelled')`);
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES process_instances (id),
        engine_key text NOT NULL,
        kind task_kind NOT NULL,
        element_id text NOT NULL,
        name text,
        assignee text,
        candidate_groups text[] NOT NULL DEFAULT '{}',
        candidate_users text[] NOT NULL DEFAULT '{}',
        due_at timestamptz,
        follow_up_at timestamptz,
        form_key text,
        job_type text,
        state task_state NOT NULL DEFAULT 'open',
        claimed_by text,
        completed_by text,
        variables jsonb,
        reminders_modelled boolean NOT NULL DEFAULT false,
        escalations integer NOT NULL DEFAULT 0,
        escalated_at timestamptz,
        created_at timestamptz NOT NULL,
        ended_at timestamptz,
        CONSTRAINT tasks_instance_engine_key_uq UNIQUE (instance_id, engine_key)
      )`);
    await q.query(`CREATE INDEX tasks_open_assignee_idx ON tasks (assignee) WHERE state = 'open'`);
    await q.query(
      `CREATE INDEX tasks_open_groups_idx ON tasks USING gin (candidate_groups) WHERE state = 'open'`,
    );
    await q.query(`CREATE INDEX tasks_open_due_idx ON tasks (due_at) WHERE state = 'open'`);
    await q.query(`CREATE INDEX tasks_instance_idx ON tasks (instance_id)`);
    await q.query(`CREATE TYPE timer_state AS ENUM ('scheduled', 'fired', 'cancelled')`);
    await q.query(`
      CREATE TABLE timers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance_id uuid NOT NULL REFERENCES process_instances (id),
        engine_key text NOT NULL,
        element_id text NOT NULL,
        purpose text NOT NULL,
        due_at timestamptz NOT NULL,
        state timer_state NOT NULL DEFAULT 'scheduled',
        fired_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT timers_instance_engine_key_uq UNIQUE (instance_id, engine_key)
      )`);
    await q.query(`CREATE INDEX timers_due_idx ON timers (due_at) WHERE state = 'scheduled'`);
    await q.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text NOT NULL,
        payload jsonb NOT NULL,
        not_before timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        attempts integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (id) WHERE delivered_at IS NULL`);
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recipient text NOT NULL,
        kind text NOT NULL,
        task_id uuid REFERENCES tasks (id),
        instance_id uuid REFERENCES process_instances (id),
        title text NOT NULL,
        body text NOT NULL,
        dedupe_key text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        url text NOT NULL,
        format text NOT NULL CHECK (format IN ('wecom', 'dingtalk')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_id uuid NOT NULL REFERENCES notifications (id),
        webhook_id uuid NOT NULL REFERENCES webhooks (id),
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        delivered_at timestamptz,
        CONSTRAINT webhook_deliveries_uq UNIQUE (notification_id, webhook_id)
      )`);
    await q.query(
      `CREATE INDEX notifications_recipient_idx ON notifications (recipient, created_at DESC)`,
    );
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        stream text NOT NULL,
        seq integer NOT NULL,
        instance_id uuid,
        type text NOT NULL,
        actor text NOT NULL,
        element_id text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_events_stream_seq_uq UNIQUE (stream, seq)
      )`);
    await q.query(`CREATE INDEX audit_events_instance_idx ON audit_events (instance_id, id)`);
    await q.query(`
      CREATE TABLE audit_streams (
        stream text PRIMARY KEY,
        seq integer NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate
        BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_streams`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TABLE timers`);
    await q.query(`DROP TYPE timer_state`);
    await q.query(`DROP TABLE tasks`);
    await q.query(`DROP TYPE task_state`);
    await q.query(`DROP TYPE task_kind`);
    await q.query(`DROP TABLE process_instances`);
    await q.query(`DROP TYPE instance_state`);
    await q.query(`DROP TABLE process_definitions`);
    await q.query(`DROP TABLE deployments`);
  }
}
