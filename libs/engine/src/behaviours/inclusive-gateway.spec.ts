import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';
const none = { a: false, b: false, c: false };

describe('inclusive gateway', () => {
  describe('given a split with conditions a, b, c (c waits on a timer first) and a default flow', () => {
    it('when several conditions hold, then every one of their flows is taken, in flow order', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: { ...none, a: true, c: true } },
        steps: [],
      });

      expect(trace(result).slice(2)).toEqual([
        'element.activated Split',
        'element.completed Split',
        'element.activated A',
        'element.activated WaitC',
      ]);
    });

    it('when no condition holds, then only the default flow is taken', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: none },
        steps: [],
      });

      expect(result.openTasks.map((task) => task.elementId)).toEqual(['D']);
    });

    it('when some condition holds, then the default flow is not taken', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: { ...none, b: true } },
        steps: [],
      });

      expect(result.openTasks.map((task) => task.elementId)).toEqual(['B']);
    });
  });

  describe('given a split without a default flow', () => {
    it('when no condition holds, then an incident names the gateway', async () => {
      const result = await simulateFixture('inclusive-no-default', {
        start: { at: START, variables: { a: false, b: false } },
        steps: [],
      });

      expect(result.state).toBe('incident');
      expect(result.incidents).toEqual([
        {
          elementId: 'Split',
          message:
            "no outgoing sequence flow of inclusive gateway 'Split' has a true condition, and there is no default flow",
        },
      ]);
    });

    it('when a condition fails, then an incident is raised, and resolving it with variables continues', async () => {
      const driver = await Driver.start('inclusive-no-default', { variables: { a: true } });
      const incident = Object.values(driver.state.incidents)[0];
      expect(incident?.message).toMatch(/^condition of sequence flow 'fb' failed/);

      driver.send({
        type: 'resolveIncident',
        incidentKey: incident?.key ?? '',
        variables: { b: true },
      });

      expect(Object.keys(driver.state.tasks).length).toBe(2);
      expect(driver.tasks('A')).toHaveLength(1);
      expect(driver.tasks('B')).toHaveLength(1);
    });
  });

  describe('given a join after a split that took two of its branches', () => {
    it('when one taken branch arrives, then the join waits for the other', async () => {
      const driver = await Driver.start('inclusive-gateway', {
        variables: { ...none, a: true, b: true },
      });
      driver.complete('B');

      expect(effectTrace(driver.effects)).toEqual(['task.completed B', 'element.completed B']);
      expect(driver.tasks('After')).toEqual([]);
    });

    it('when the last taken branch arrives, then the join fires exactly once (branches not taken are not waited for)', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: { ...none, a: true, b: true } },
        steps: [{ complete: 'B' }, { complete: 'A' }],
      });

      expect(trace(result).slice(-5)).toEqual([
        'element.completed B',
        'element.completed A',
        'element.activated Join',
        'element.completed Join',
        'element.activated After',
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['After']);
    });

    it('when only one branch was taken, then the join fires as soon as it arrives', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: { ...none, a: true } },
        steps: [{ complete: 'A' }, { complete: 'After' }],
      });

      expect(result.state).toBe('completed');
      expect(trace(result).filter((line) => line === 'element.activated Join')).toHaveLength(1);
    });

    it('when the default branch was taken, then the join fires when it arrives', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: none },
        steps: [{ complete: 'D' }],
      });

      expect(result.openTasks.map((task) => task.elementId)).toEqual(['After']);
    });
  });

  describe('given a taken branch whose token is still upstream, waiting on a timer', () => {
    it('when the other branch arrives, then the join waits, because that token can still arrive', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: { ...none, a: true, c: true } },
        steps: [{ complete: 'A' }, { advance: 'PT30M' }],
      });

      expect(trace(result)).not.toContain('element.activated Join');
      expect(result.openTasks).toEqual([]);
    });

    it('when the timer fires and the late branch arrives, then the join fires once', async () => {
      const result = await simulateFixture('inclusive-gateway', {
        start: { at: START, variables: { ...none, a: true, c: true } },
        steps: [{ complete: 'A' }, { advance: 'PT1H' }, { complete: 'C' }],
      });

      expect(trace(result).slice(-8)).toEqual([
        'element.completed A',
        'timer.fired WaitC',
        'element.completed WaitC',
        'element.activated C',
        'element.completed C',
        'element.activated Join',
        'element.completed Join',
        'element.activated After',
      ]);
    });
  });
});
