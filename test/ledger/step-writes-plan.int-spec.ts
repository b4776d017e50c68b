import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ledgerStepWrites } from '@app/ledger';
import type { DataSource } from 'typeorm';
import { isolatedDatabase, testDataSource } from '../support/database.js';
import { genericPlanSeqScans } from '../support/generic-plan.js';

/**
 * A step's ledger writes go as prepared statements, whose generic plan is made once per
 * connection on the tables as they are then — for a new database, small. A plan that reads a
 * table whole because it was small then keeps doing so as the table grows (until the next
 * ANALYZE invalidates it): every completion paid a sequential scan of all ledger items for its
 * entries before this was caught.
 */
describe('ledger: the step writes’ generic plans', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await isolatedDatabase('step_writes_plan');
    drop = db.drop;
    dataSource = await testDataSource(1, db.url);
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  it('reach the items of a completion by their key, made on a young ledger', async () => {
    const ctx = {
      instanceId: '0b0f6a52-5a0e-4f38-9d3e-3c4f0f1b2a10',
      orgUnitId: 'branch-rd',
      actor: 'alice',
      now: Date.parse('2026-03-02T09:00:00+08:00'),
    };
    // A completion that opens the next task's item and submits its own
    const { writes } = ledgerStepWrites(
      [
        {
          engineKey: '7',
          taskId: '5b0c3f52-1a0e-4f38-9d3e-3c4f0f1b2a10',
          elementId: 'Plan',
          title: '制定计划',
          standard: '按时制定计划',
          responsible: 'secretary',
          dueAt: null,
          ended: null,
        },
      ],
      [{ engineKey: '3', elementId: 'Record', state: 'completed', variables: { n: 1 } }],
      ctx,
    );
    // A young ledger (a few hundred items, analysed): small enough that reading it whole
    // looks cheaper than a lookup per row
    await dataSource.query(
      `INSERT INTO ledger_items (list, source, title, created_by, created_at, updated_at)
       SELECT 'problem', 'manual', '事项 ' || g, 'tester', now(), now()
         FROM generate_series(1, 300) g`,
    );
    await dataSource.query(`ANALYZE ledger_items`);
    for (const write of writes) {
      const scans = await genericPlanSeqScans(dataSource, write.sql, write.params);
      expect({ sql: write.sql, scans }).toEqual({ sql: write.sql, scans: [] });
    }
  });
});
