import { describe, expect, it } from '@jest/globals';
import { endedUserTasks, ledgerOpenedEvents, withLedgerOpening } from './ledger-projection.js';

const ctx = { instanceId: 'i-1', actor: 'alice', now: Date.parse('2026-03-02T09:00:00+08:00') };

describe('ledger projection', () => {
  it('leaves the tasks INSERT alone when no user task is new', () => {
    const insert = 'INSERT INTO tasks (id) VALUES ($1)';
    expect(withLedgerOpening(insert, ['t-1'], [], ctx)).toEqual({ sql: insert, values: ['t-1'] });
  });

  it('chains the ledger INSERT onto the tasks INSERT, parameters after the tasks ones', () => {
    const { sql, values } = withLedgerOpening(
      'INSERT INTO tasks (id) VALUES ($1), ($2)',
      ['t-1', 't-2'],
      [{ id: 't-2', elementId: 'Plan', standard: '按时制定计划' }],
      ctx,
    );
    expect(sql).toMatch(
      /^WITH new_tasks AS \(INSERT INTO tasks \(id\) VALUES \(\$1\), \(\$2\)\s+RETURNING/,
    );
    expect(sql).toContain('INSERT INTO ledger_items');
    expect(sql).toContain('INSERT INTO ledger_entries');
    expect(values).toEqual([
      't-1',
      't-2',
      'i-1',
      ['t-2'],
      ['按时制定计划'],
      'alice',
      new Date(ctx.now),
    ]);
  });

  it('names each opened item in the audit trail with its task and element', () => {
    expect(
      ledgerOpenedEvents(
        [{ id: 'item-1', task_id: 't-2' }],
        [{ id: 't-2', elementId: 'Plan', standard: null }],
        ctx,
      ),
    ).toEqual([
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

  it('picks the completed and cancelled user tasks of a step, not service tasks', () => {
    expect(
      endedUserTasks([
        { type: 'task.completed', task: { key: '3', kind: 'user' }, variables: { ok: true } },
        { type: 'task.completed', task: { key: '4', kind: 'service' }, variables: {} },
        { type: 'element.completed' },
        { type: 'task.cancelled', task: { key: '5', kind: 'user' } },
      ]),
    ).toEqual([
      { engineKey: '3', state: 'completed', variables: { ok: true } },
      { engineKey: '5', state: 'cancelled', variables: null },
    ]);
  });
});
