import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('parallel gateway', () => {
  describe('given a fork into three branches', () => {
    it('when the token reaches the fork, then every branch is activated, breadth first in flow order', async () => {
      const result = await simulateFixture('parallel-gateway', { start: { at: START }, steps: [] });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Fork',
        'element.completed Fork',
        'element.activated A',
        'element.activated B',
        'element.activated C',
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['A', 'B', 'C']);
    });
  });

  describe('given a join of three branches', () => {
    it('when only some branches have arrived, then the join waits (no event) and holds their tokens', async () => {
      const driver = await Driver.start('parallel-gateway');
      driver.complete('C');
      driver.complete('A');

      expect(effectTrace(driver.effects)).toEqual(['task.completed A', 'element.completed A']);
      expect(Object.values(driver.state.joins)).toEqual([{ Join: { fc2: 1, fa2: 1 } }]);
    });

    it('when the last branch arrives, then the join fires exactly once and its tokens are consumed', async () => {
      const result = await simulateFixture('parallel-gateway', {
        start: { at: START },
        steps: [{ complete: 'B' }, { complete: 'C' }, { complete: 'A' }],
      });

      expect(trace(result).slice(7)).toEqual([
        'element.completed B',
        'element.completed C',
        'element.completed A',
        'element.activated Join',
        'element.completed Join',
        'element.activated After',
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['After']);
    });

    it('when the join has fired, then no token is left waiting and the instance can complete', async () => {
      const driver = await Driver.start('parallel-gateway');
      for (const id of ['A', 'B', 'C', 'After']) driver.complete(id);

      expect(driver.state.joins).toEqual({});
      expect(driver.state.status).toBe('completed');
    });
  });

  describe('given a branch that loops back on itself before reaching the join', () => {
    it('when the loop runs several times, then the join still waits for the other branch', async () => {
      const result = await simulateFixture('parallel-loop', {
        start: { at: START },
        steps: [
          { complete: 'B', variables: { again: true } },
          { complete: 'B', variables: { again: true } },
          { complete: 'B', variables: { again: false } },
        ],
      });

      expect(result.openTasks.map((task) => task.elementId)).toEqual(['A']);
      expect(trace(result)).not.toContain('element.activated Join');
    });

    it('when the other branch arrives after the loop, then the join fires exactly once', async () => {
      const result = await simulateFixture('parallel-loop', {
        start: { at: START },
        steps: [
          { complete: 'B', variables: { again: true } },
          { complete: 'B', variables: { again: false } },
          { complete: 'A' },
          { complete: 'After' },
        ],
      });

      expect(trace(result).filter((line) => line.endsWith(' Join'))).toEqual([
        'element.activated Join',
        'element.completed Join',
      ]);
      expect(trace(result).filter((line) => line === 'element.activated B')).toHaveLength(2);
      expect(result.state).toBe('completed');
    });

    it('when the other branch arrives during the loop, then the join fires once, after the looping branch leaves', async () => {
      const driver = await Driver.start('parallel-loop');
      driver.complete('A');
      driver.complete('B', { again: true });
      expect(driver.active).not.toContain('Join');
      expect(driver.tasks('After')).toEqual([]);

      driver.complete('B', { again: false });

      expect(effectTrace(driver.effects).filter((line) => line.endsWith(' Join'))).toEqual([
        'element.activated Join',
        'element.completed Join',
      ]);
      expect(driver.tasks('After')).toHaveLength(1);
      expect(driver.state.joins).toEqual({});
    });
  });
});
