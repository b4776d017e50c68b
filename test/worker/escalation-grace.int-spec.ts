import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EscalationService } from '../../apps/worker/src/index.js';
import { flows } from './support/bpmn.js';
import { FAST_RETRIES, type Harness, startHarness } from './support/harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A step opened after (or just before) its nominal deadline — a theme day first started in
 * mid-month — is not escalated at once: a task counts as overdue only once it has been open
 * LEDGER_GRACE_DAYS, as its ledger item does.
 */
describe('worker: task escalation after the grace', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('grace', {
      jobOptions: FAST_RETRIES,
      env: { ESCALATION_INTERVAL_MS: String(HOUR), LEDGER_GRACE_DAYS: '3' },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('given a task due an hour after it opened, then it is escalated three days after opening, not before', async () => {
    await h.deploy(
      'late.bpmn',
      flows.userTask('wg-late', { name: '确定主题和活动方案', assignee: 'zhao', dueDate: 'PT1H' }),
    );
    const instance = await h.runtime.start({ templateKey: 'wg-late' }, 'test');
    const escalation = h.get(EscalationService);
    const escalations = async () =>
      (
        await h.dataSource.query<{ escalations: number }[]>(
          `SELECT escalations FROM tasks WHERE instance_id = $1`,
          [instance.id],
        )
      )[0].escalations;
    const start = h.clock.now();
    try {
      // Past its due time, within the grace: nothing
      h.clock.advance(2 * HOUR);
      expect(await escalation.sweep()).toBe(0);
      h.clock.set(start + 3 * DAY - 1000);
      expect(await escalation.sweep()).toBe(0);
      expect(await escalations()).toBe(0);
      // Once the grace is over: escalated
      h.clock.set(start + 3 * DAY + 1000);
      expect(await escalation.sweep()).toBe(1);
      expect(await escalations()).toBe(1);
    } finally {
      h.clock.set(start);
    }
  });
});
