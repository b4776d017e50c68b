import { describe, expect, it } from '@jest/globals';
import { Driver, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('embedded sub-process', () => {
  describe('given nested sub-processes (Outer > Inner > Approve)', () => {
    it('when the token enters, then each scope activates and starts at its none start event', async () => {
      const driver = await Driver.start('sub-process');
      driver.complete('Fill');

      const byId = Object.fromEntries(
        Object.values(driver.state.elements).map((e) => [e.elementId, e]),
      );
      expect(byId.Approve?.parentKey).toBe(byId.Inner?.key);
      expect(byId.Inner?.parentKey).toBe(byId.Outer?.key);
      expect(byId.Outer?.parentKey).toBe(driver.state.rootKey);
    });

    it('when the inner work completes, then the scopes complete inside out and the process continues', async () => {
      const result = await simulateFixture('sub-process', {
        start: { at: START },
        steps: [{ complete: 'Fill' }, { complete: 'Approve' }],
      });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Outer',
        'element.activated OuterStart',
        'element.completed OuterStart',
        'element.activated Fill',
        'element.completed Fill',
        'element.activated Inner',
        'element.activated InnerStart',
        'element.completed InnerStart',
        'element.activated Approve',
        'element.completed Approve',
        'element.activated InnerEnd',
        'element.completed InnerEnd',
        'element.completed Inner',
        'element.activated OuterEnd',
        'element.completed OuterEnd',
        'element.completed Outer',
        'element.activated After',
      ]);
    });

    it('when tasks inside complete with variables, then the variables propagate out to the process scope', async () => {
      const result = await simulateFixture('sub-process', {
        start: { at: START, variables: { topic: 'budget' } },
        steps: [
          { complete: 'Fill', variables: { form: { amount: 3 } } },
          { complete: 'Approve', variables: { approved: true } },
          { complete: 'After' },
        ],
      });

      expect(result.state).toBe('completed');
      expect(result.variables).toEqual({ topic: 'budget', form: { amount: 3 }, approved: true });
    });

    it('when a variable is local to the sub-process, then a task inside updates it there and it ends with the scope', async () => {
      const driver = await Driver.start('sub-process');
      const outer = Object.values(driver.state.elements).find((e) => e.elementId === 'Outer');
      driver.send({ type: 'setVariables', scopeKey: outer?.key, variables: { draft: 'v1' } });

      driver.complete('Fill', { draft: 'v2', other: 1 });

      expect(driver.state.variables[outer?.key ?? '']).toEqual({ draft: 'v2' });
      expect(driver.variables).toEqual({ other: 1 });

      driver.complete('Approve');
      expect(driver.state.variables[outer?.key ?? '']).toBeUndefined();
      expect(driver.variables).toEqual({ other: 1 });
    });
  });
});
