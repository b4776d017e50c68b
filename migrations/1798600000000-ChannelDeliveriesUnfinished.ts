import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reconciler queues again the job of every channel delivery neither sent nor given up
 * (ChannelsRepository.unfinishedDeliveries): a partial index of those, so its sweep reads the
 * few unfinished deliveries rather than every delivery ever made.
 */
export class ChannelDeliveriesUnfinished1798600000000 implements MigrationInterface {
  name = 'ChannelDeliveriesUnfinished1798600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX channel_deliveries_unfinished_idx ON channel_deliveries (notification_id)
        WHERE state IN ('pending', 'retrying')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX channel_deliveries_unfinished_idx`);
  }
}
