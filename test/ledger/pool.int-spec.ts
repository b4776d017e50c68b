import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EscalationService } from '../../apps/worker/src/index.js';
import {
  type LedgerHarness,
  type LedgerUser,
  monthTaskBpmn,
  startLedger,
} from './support/harness.js';

/**
 * The worker's escalations look up the org tree (the unit, the supervisors and secretaries over
 * it) inside their transaction: on the transaction's own connection, so a worker with a pool of
 * one connection escalates too (a lookup on a second connection would wait forever).
 */
describe('worker: escalations with one PostgreSQL connection per process', () => {
  let h: LedgerHarness;
  let supervisorGeneral: LedgerUser;
  let supervisorCommittee: LedgerUser;

  beforeAll(async () => {
    h = await startLedger('pool', {
      worker: true,
      env: { LEDGER_ESCALATION_EVERY: 'P1D', DATABASE_POOL_SIZE: '1' },
    });
    supervisorGeneral = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    supervisorCommittee = await h.user('周组织部', [
      { role: 'supervisor', orgUnitId: h.org.committee },
    ]);
    await h.deploy('theme-pool', monthTaskBpmn('theme-pool'));
  });

  afterAll(async () => {
    await h?.close();
  });

  const recipientsOf = async (pattern: string) =>
    (
      await h.dataSource.query<{ recipient: string }[]>(
        `SELECT recipient FROM notifications WHERE dedupe_key LIKE $1 ORDER BY recipient`,
        [pattern],
      )
    ).map((row) => row.recipient);

  it('escalates an overdue task and a ledger item, notifying the supervisors over the unit', async () => {
    // Given two theme days of branch A due at the end of March; the second one's item has no
    // unit (as items from before the ledger), so the task sweep escalates its task instead
    h.clock.set(Date.parse('2026-03-01T00:00:00+08:00'));
    const start = () =>
      h.runtime.start(
        {
          templateKey: 'theme-pool',
          orgUnitId: h.org.branchA,
          variables: { dueAt: '2026-03-31T18:00:00+08:00' },
        },
        'system:schedule',
      );
    const [first, second] = [await start(), await start()];
    const rowsOf = (instanceId: string) =>
      h.dataSource.query<{ task_id: string; item_id: string }[]>(
        `SELECT task_id, id AS item_id FROM ledger_items WHERE instance_id = $1`,
        [instanceId],
      );
    const [{ item_id: itemId }] = await rowsOf(first.id);
    const [{ task_id: taskId, item_id: unitless }] = await rowsOf(second.id);
    await h.dataSource.query(`UPDATE ledger_items SET org_unit_id = NULL WHERE id = $1`, [
      unitless,
    ]);
    // When the sweep runs the morning after: it escalates both, the item and the task
    h.clock.set(Date.parse('2026-04-01T09:00:00+08:00'));
    expect(await h.worker!.get(EscalationService).sweep()).toBe(2);
    // Then the item went to the nearest level that has someone (the general branch)
    expect(await recipientsOf(`ledger-escalation-${itemId}-%`)).toEqual([
      `user:${supervisorGeneral.userId}`,
    ]);
    // And the task to every supervisor over branch A
    expect(await recipientsOf(`escalation-${taskId}-%`)).toEqual(
      [`user:${supervisorCommittee.userId}`, `user:${supervisorGeneral.userId}`].sort(),
    );
  });
});
