import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification channels per org unit (issue 14): WeCom and DingTalk group robots belong to one
 * org unit, and a notice goes only to the channels of the units it concerns (the instance's
 * unit; for 督办 also the supervising unit). Until now every robot in `webhooks` received every
 * branch's notices.
 *
 * - `org_unit_channels`: the robot's URL (a secret: it carries the robot's key) and, for
 *   DingTalk's 加签, its signing secret; `enabled`; a `version` every change raises; a deleted
 *   channel keeps its row (`deleted_at`) for the deliveries that name it.
 * - `channel_deliveries`: one row per (notice, channel): `pending`, `retrying` (a failed attempt
 *   and more to come), `sent`, `failed`; the attempts and the channel's last answer (bounded).
 * - Existing `webhooks`: when the organisation has exactly one root unit they become channels of
 *   that root (same id, name, URL, kind and active state), with their pending and past
 *   deliveries (same ids, so queued `deliver-webhook` jobs still find them); a root unit's
 *   channels receive only the notices about the root's own instances and the 督办 addressed to
 *   it. Without a single root they are left where they are and receive nothing: an admin
 *   registers them again through `/api/org-units/:id/channels`. `webhooks` and
 *   `webhook_deliveries` stay, unused, for a later drop.
 */
export class OrgUnitChannels1796900000000 implements MigrationInterface {
  name = 'OrgUnitChannels1796900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE channel_kind AS ENUM ('wecom', 'dingtalk')`);
    await q.query(`
      CREATE TABLE org_unit_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_unit_id text NOT NULL REFERENCES org_units (id),
        kind channel_kind NOT NULL,
        name text NOT NULL CHECK (name <> '' AND length(name) <= 64),
        url text NOT NULL CHECK (length(url) <= 1024),
        secret text CHECK (secret <> '' AND length(secret) <= 256),
        enabled boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(
      `CREATE UNIQUE INDEX org_unit_channels_name_key ON org_unit_channels (org_unit_id, name) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX org_unit_channels_unit_idx ON org_unit_channels (org_unit_id) WHERE deleted_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE channel_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_id uuid NOT NULL REFERENCES notifications (id),
        channel_id uuid NOT NULL REFERENCES org_unit_channels (id),
        state text NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'retrying', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        answer text CHECK (length(answer) <= 1000),
        updated_at timestamptz,
        sent_at timestamptz,
        CONSTRAINT channel_deliveries_uq UNIQUE (notification_id, channel_id)
      )`);
    await q.query(`CREATE INDEX channel_deliveries_channel_idx ON channel_deliveries (channel_id)`);
    await q.query(`
      WITH root AS (
        SELECT min(id) AS id FROM org_units WHERE parent_id IS NULL HAVING count(*) = 1
      )
      INSERT INTO org_unit_channels (id, org_unit_id, kind, name, url, enabled, created_by, created_at)
      SELECT w.id, root.id, w.format::channel_kind,
             left(w.name, 48) || CASE WHEN count(*) OVER (PARTITION BY left(w.name, 48)) > 1
                                      THEN ' ' || left(w.id::text, 8) ELSE '' END,
             w.url, w.active, 'migration', w.created_at
        FROM webhooks w CROSS JOIN root
       WHERE w.name <> '' AND length(w.url) <= 1024`);
    await q.query(`
      INSERT INTO channel_deliveries (id, notification_id, channel_id, state, attempts, answer, sent_at)
      SELECT d.id, d.notification_id, d.webhook_id,
             CASE d.state WHEN 'delivered' THEN 'sent'
                          WHEN 'pending' THEN CASE WHEN d.attempts > 0 THEN 'retrying' ELSE 'pending' END
                          ELSE d.state END,
             d.attempts, left(d.last_error, 1000), d.delivered_at
        FROM webhook_deliveries d JOIN org_unit_channels c ON c.id = d.webhook_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE channel_deliveries`);
    await q.query(`DROP TABLE org_unit_channels`);
    await q.query(`DROP TYPE channel_kind`);
  }
}
