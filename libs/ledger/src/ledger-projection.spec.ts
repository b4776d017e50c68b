import { describe, expect, it } from '@jest/globals';
import type { NewUserTask } from '@app/store';
import { ledgerProjector, ledgerStepWrites, taskItemId } from './ledger-projection.js';

const ctx = {
  instanceId: '0b0f6a52-5a0e-4f38-9d3e-3c4f0f1b2a10',
  orgUnitId: 'branch-rd',
  actor: 'alice',
  now: Date.parse('2026-03-02T09:00:00+08:00'),
};
const AT = new Date(ctx.now);

const plan: NewUserTask = {
  engineKey: '7',
  taskId: 't-2',
  elementId: 'Plan',
  title: '制定计划',
  standard: '按时制定计划',
  responsible: 'secretary',
  dueAt: Date.parse('2026-03-05T23:59:59+08:00'),
  ended: null,
};
const ITEM = taskItemId(ctx.instanceId, '7');

describe('ledger projection', () => {
  it('derives a task item’s id from the instance and the task’s engine key (a v5 uuid)', () => {
    expect(ITEM).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(taskItemId(ctx.instanceId, '7')).toBe(ITEM);
    expect(taskItemId(ctx.instanceId, '8')).not.toBe(ITEM);
    expect(taskItemId('0b0f6a52-5a0e-4f38-9d3e-3c4f0f1b2a11', '7')).not.toBe(ITEM);
    // Stored ids depend on it: the value the first implementation gave stays
    expect(taskItemId('00000000-0000-4000-8000-000000000001', '7')).toBe(
      'c7062934-136e-5b13-8311-a9391fcce82f',
    );
  });

  it('writes nothing for a step that creates and ends no user task', () => {
    expect(ledgerStepWrites([], [], ctx)).toEqual({ writes: [], audit: [] });
  });

  it('opens one item per new user task, with its opened entry and audit event', () => {
    const { writes, audit } = ledgerStepWrites([plan], [], ctx);
    expect(writes).toHaveLength(2);
    expect(writes[0].sql).toContain('INSERT INTO ledger_items');
    expect(writes[0].params).toEqual([
      ctx.instanceId,
      'branch-rd',
      'alice',
      AT,
      ITEM,
      't-2',
      '制定计划',
      '按时制定计划',
      'secretary',
      new Date(plan.dueAt!),
      'open',
      null, // submitted_at
      null, // settled_at
    ]);
    expect(writes[1].sql).toContain('INSERT INTO ledger_entries');
    expect(writes[1].params).toEqual(['alice', AT, ITEM, 'opened', '{"taskId":"t-2"}']);
    expect(audit).toEqual([
      {
        type: 'ledger.opened',
        actor: 'alice',
        instanceId: ctx.instanceId,
        elementId: 'Plan',
        data: { itemId: ITEM, taskId: 't-2', list: 'task' },
        at: ctx.now,
      },
    ]);
  });

  it('inserts an item whose task ended in the same step already submitted, evidence and all', () => {
    const done = { ...plan, ended: { state: 'completed' as const, variables: { ok: true } } };
    const { writes, audit } = ledgerStepWrites([done], [], ctx);
    // state, submitted_at, settled_at (a submitted item is not settled)
    expect(writes[0].params.slice(-3)).toEqual(['submitted', AT, null]);
    expect(writes[1].params.slice(2)).toEqual([
      ITEM,
      'opened',
      '{"taskId":"t-2"}',
      ITEM,
      'submitted',
      '{"taskId":"t-2","evidence":{"ok":true}}',
    ]);
    expect(audit.map((event) => event.type)).toEqual(['ledger.opened', 'ledger.submitted']);
  });

  it('inserts an item whose task was cancelled in the same step already cancelled and settled', () => {
    const cancelled = { ...plan, ended: { state: 'cancelled' as const, variables: null } };
    const { writes } = ledgerStepWrites([cancelled], [], ctx);
    expect(writes[0].params.slice(-3)).toEqual(['cancelled', null, AT]);
  });

  it('gives a completion that opens the next item one statement for both entries', () => {
    const { writes } = ledgerStepWrites(
      [plan],
      [{ engineKey: '3', elementId: 'Record', state: 'completed', variables: { n: 1 } }],
      ctx,
    );
    const three = taskItemId(ctx.instanceId, '3');
    expect(writes.map((write) => write.sql.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'INSERT INTO ledger_items',
      'INSERT INTO ledger_entries',
      'UPDATE ledger_items SET',
    ]);
    // The opened entry as it is; the submitted one only if its item was open, with its task id
    expect(writes[1].sql).toMatch(/\(\$3::uuid, \$4::ledger_entry_kind, \$5::jsonb, false, 0\)/);
    expect(writes[1].sql).toMatch(/\(\$6::uuid, \$7::ledger_entry_kind, \$8::jsonb, true, 1\)/);
    expect(writes[1].sql).toContain("WHERE NOT v.existing OR l.state IN ('open', 'in_progress')");
    expect(writes[1].sql).toContain('ORDER BY v.n');
    expect(writes[1].params).toEqual([
      'alice',
      AT,
      ITEM,
      'opened',
      '{"taskId":"t-2"}',
      three,
      'submitted',
      '{"evidence":{"n":1}}',
    ]);
  });

  it('submits or cancels the items of tasks that were open, by primary key', () => {
    const { writes, audit } = ledgerStepWrites(
      [],
      [
        { engineKey: '3', elementId: 'Record', state: 'completed', variables: { n: 1 } },
        { engineKey: '5', elementId: 'Other', state: 'cancelled', variables: null },
      ],
      ctx,
    );
    const [three, five] = [taskItemId(ctx.instanceId, '3'), taskItemId(ctx.instanceId, '5')];
    // The entries first (they read the items as before the step, also when the batch goes as
    // one statement per part), then the updates
    expect(writes.map((write) => write.sql.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'INSERT INTO',
      'UPDATE ledger_items',
      'UPDATE ledger_items',
    ]);
    expect(writes[1].params).toEqual([three, AT]);
    expect(writes[1].sql).toContain(
      "SET state = 'submitted', updated_at = $2::timestamptz, submitted_at",
    );
    // A submission leaves settled_at (indexed) alone: a HOT update; a cancellation settles
    expect(writes[1].sql).not.toContain('settled_at');
    expect(writes[2].params).toEqual([five, AT]);
    expect(writes[2].sql).toContain(
      "SET state = 'cancelled', updated_at = $2::timestamptz, settled_at",
    );
    // Entries only for items that were open or in progress, as the updates
    expect(writes[0].sql).toContain(
      'FROM ledger_items i WHERE v.existing AND i.id = v.item_id LIMIT 1',
    );
    expect(writes[0].params).toEqual([
      'alice',
      AT,
      three,
      'submitted',
      '{"evidence":{"n":1}}',
      five,
      'cancelled',
      '{}',
    ]);
    expect(audit).toEqual([
      expect.objectContaining({
        type: 'ledger.submitted',
        elementId: 'Record',
        data: { itemId: three, taskKey: '3', by: 'task' },
      }),
      expect.objectContaining({
        type: 'ledger.cancelled',
        elementId: 'Other',
        data: { itemId: five, taskKey: '5', by: 'task' },
      }),
    ]);
  });

  it('crosses off the submitted items of the instance when the completion approves by the properties of its element, and only then', () => {
    const approve = (variables: unknown) =>
      ledgerProjector.project(
        [],
        [
          {
            engineKey: '9',
            elementId: 'Approve',
            state: 'completed',
            variables,
            properties: { 'ledger.verifies': 'instance' },
          },
        ],
        ctx,
      );
    const crossesOff = (writes: { sql: string }[]) =>
      writes.some((write) =>
        write.sql.includes("WHERE instance_id = $1::uuid AND state = 'submitted'"),
      );

    expect(crossesOff(approve({ approved: true }).writes)).toBe(true);
    expect(approve({ approved: true }).audit.map((event) => event.type)).toEqual([
      'ledger.submitted',
      'ledger.closed',
    ]);
    expect(crossesOff(approve({ approved: false }).writes)).toBe(false);
    expect(crossesOff(approve({}).writes)).toBe(false);
  });
});
