import { describe, expect, it } from '@jest/globals';
import { type NewUserTask, ledgerStepWrites } from './ledger-projection.js';

const ctx = {
  instanceId: 'i-1',
  orgUnitId: 'branch-rd',
  actor: 'alice',
  now: Date.parse('2026-03-02T09:00:00+08:00'),
};

const plan: NewUserTask = {
  itemId: 'item-1',
  taskId: 't-2',
  elementId: 'Plan',
  title: '制定计划',
  standard: '按时制定计划',
  responsible: 'secretary',
  dueAt: Date.parse('2026-03-05T23:59:59+08:00'),
  ended: null,
};

describe('ledger projection', () => {
  it('writes nothing for a step that creates and ends no user task', () => {
    expect(ledgerStepWrites([], [], ctx)).toEqual({ writes: [], audit: [] });
  });

  it('opens one item per new user task, with its opened entry and audit event', () => {
    const { writes, audit } = ledgerStepWrites([plan], [], ctx);
    expect(writes).toHaveLength(2);
    expect(writes[0].sql).toContain('INSERT INTO ledger_items');
    expect(writes[0].params).toEqual([
      'i-1',
      'branch-rd',
      'alice',
      new Date(ctx.now),
      ['item-1'],
      ['t-2'],
      ['制定计划'],
      ['按时制定计划'],
      ['secretary'],
      [new Date(plan.dueAt!)],
      ['open'],
      [null],
    ]);
    expect(writes[1].sql).toContain('INSERT INTO ledger_entries');
    expect(writes[1].params.slice(2)).toEqual([['item-1'], ['opened'], ['{"taskId":"t-2"}']]);
    expect(audit).toEqual([
      {
        type: 'ledger.opened',
        actor: 'alice',
        instanceId: 'i-1',
        elementId: 'Plan',
        data: { itemId: 'item-1', taskId: 't-2', list: 'task' },
        at: ctx.now,
      },
    ]);
  });

  it('inserts an item whose task ended in the same step already submitted, evidence and all', () => {
    const done = { ...plan, ended: { state: 'completed' as const, variables: { ok: true } } };
    const { writes, audit } = ledgerStepWrites([done], [], ctx);
    expect(writes[0].params.slice(10)).toEqual([['submitted'], [new Date(ctx.now)]]);
    expect(writes[1].params.slice(2)).toEqual([
      ['item-1', 'item-1'],
      ['opened', 'submitted'],
      ['{"taskId":"t-2"}', '{"taskId":"t-2","evidence":{"ok":true}}'],
    ]);
    expect(audit.map((event) => event.type)).toEqual(['ledger.opened', 'ledger.submitted']);
  });

  it('submits or cancels the items of tasks that were open, by engine key', () => {
    const { writes, audit } = ledgerStepWrites(
      [],
      [
        { engineKey: '3', elementId: 'Record', state: 'completed', variables: { n: 1 } },
        { engineKey: '5', elementId: 'Other', state: 'cancelled', variables: null },
      ],
      ctx,
    );
    expect(writes.map((write) => write.sql.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'UPDATE ledger_items l',
      'INSERT INTO ledger_entries',
    ]);
    expect(writes[0].params).toEqual([
      'i-1',
      new Date(ctx.now),
      ['3', '5'],
      ['completed', 'cancelled'],
    ]);
    expect(writes[1].params[5]).toEqual(['{"n":1}', null]);
    expect(audit).toEqual([
      expect.objectContaining({
        type: 'ledger.submitted',
        elementId: 'Record',
        data: { taskKey: '3', by: 'task' },
      }),
      expect.objectContaining({
        type: 'ledger.cancelled',
        elementId: 'Other',
        data: { taskKey: '5', by: 'task' },
      }),
    ]);
  });
});
