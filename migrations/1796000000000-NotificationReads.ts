import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read state per person: a notice to a group (`group:members`, `group:secretary`) is one row
 * that many people see, so "read" is a mark per reader (user id), not a column of the notice.
 * Marks already set on notices addressed to one person (their user or member id) move over
 * to that person's user; marks on group notices are dropped (nobody knows who read them),
 * so those show unread again, once. `notifications.read_at` stays, unused, for a later drop.
 */
export class NotificationReads1796000000000 implements MigrationInterface {
  name = 'NotificationReads1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_reads (
        notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        read_at timestamptz NOT NULL,
        PRIMARY KEY (notification_id, user_id)
      )`);
    await q.query(`
      INSERT INTO notification_reads (notification_id, user_id, read_at)
      SELECT n.id, u.id, n.read_at
        FROM notifications n
        JOIN users u ON n.recipient IN (u.id::text, 'user:' || u.id::text, u.member_id::text)
       WHERE n.read_at IS NOT NULL
      ON CONFLICT DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_reads`);
  }
}
