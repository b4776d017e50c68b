import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ledgerStepWrites, taskItemId } from '@app/ledger';
import { DefinitionCache, DeploymentService, InstanceRuntime } from '@app/store';
import { STEP_PROJECTORS } from '@app/runtime';
import type { DataSource } from 'typeorm';
import { bpmn } from '../support/bpmn.js';
import { TestClock, testDataSource } from '../support/database.js';

const T0 = Date.parse('2026-05-04T09:00:00+08:00');

/**
 * A ledger item's usual changes (started, submitted by its task's completion, rejected) touch
 * no indexed column, so PostgreSQL updates it in place on its page (HOT) without new index
 * entries — see migration LedgerItemsHotUpdates.
 */
describe('ledger items: the usual changes are HOT updates', () => {
  let dataSource: DataSource;
  let runtime: InstanceRuntime;

  beforeAll(async () => {
    dataSource = await testDataSource(2);
    const clock = new TestClock(T0);
    runtime = new InstanceRuntime(
      dataSource,
      new DefinitionCache(dataSource, 0),
      clock,
      { timeZone: 'Asia/Shanghai', reminderOffsets: [], projectors: STEP_PROJECTORS },
      null,
    );
    await new DeploymentService(dataSource, new DefinitionCache(dataSource, 0), clock).deploy(
      'hot-seq.bpmn',
      bpmn.sequence('hot-seq', ['A', 'B']),
      'it',
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('given the indexes of ledger_items, then none covers a column that starting, submitting or rejecting an item changes (key, expression or predicate)', async () => {
    const covered = await dataSource.query<{ index: string; column: string }[]>(
      `SELECT c.relname AS index, a.attname AS column
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE i.indrelid = 'ledger_items'::regclass
          AND (a.attnum = ANY (i.indkey)
               OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ ('\\m' || a.attname || '\\M')
               OR coalesce(pg_get_expr(i.indexprs, i.indrelid), '') ~ ('\\m' || a.attname || '\\M'))
        ORDER BY 1, 2`,
    );
    // The check sees every index's columns (a query that found none would prove nothing)
    expect(covered).toContainEqual({ index: 'ledger_items_open_due_idx', column: 'settled_at' });
    expect(covered).toContainEqual({ index: 'ledger_items_open_due_idx', column: 'due_at' });
    expect(
      covered.filter(({ column }) => ['state', 'updated_at', 'submitted_at'].includes(column)),
    ).toEqual([]);
  });

  it('given an open item, when its task is completed, then the submission is a HOT update', async () => {
    const instance = await runtime.start({ templateKey: 'hot-seq' }, 'it');
    const [task] = await dataSource.query<{ engine_key: string; element_id: string }[]>(
      `SELECT engine_key, element_id FROM tasks WHERE instance_id = $1 AND state = 'open'`,
      [instance.id],
    );
    // The submission's UPDATE exactly as a step writes it, in a transaction of our own (whose
    // counters PostgreSQL answers before the commit)
    const { writes } = ledgerStepWrites(
      [],
      [
        {
          engineKey: task.engine_key,
          elementId: task.element_id,
          state: 'completed',
          variables: {},
        },
      ],
      {
        instanceId: instance.id,
        actor: 'it',
        now: T0 + 60_000,
        orgUnitId: null,
      },
    );
    const submission = writes.find((write) => write.sql.includes('UPDATE ledger_items'))!;
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const [, updated] = await runner.manager.query<[unknown, number]>(
        submission.sql,
        submission.params,
      );
      const [{ hot, all }] = await runner.manager.query<{ hot: number; all: number }[]>(
        `SELECT pg_stat_get_xact_tuples_hot_updated('ledger_items'::regclass)::int AS hot,
                pg_stat_get_xact_tuples_updated('ledger_items'::regclass)::int AS all`,
      );
      expect(updated).toBe(1);
      expect({ hot, all }).toEqual({ hot: 1, all: 1 });
      const [item] = await runner.manager.query<{ state: string }[]>(
        `SELECT state FROM ledger_items WHERE id = $1`,
        [taskItemId(instance.id, task.engine_key)],
      );
      expect(item.state).toBe('submitted');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
