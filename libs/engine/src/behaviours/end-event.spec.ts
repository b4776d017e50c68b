import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('none end event', () => {
  describe('given a process whose only token reaches a none end event', () => {
    it('when the last task is completed, then the end event completes and so does the instance', async () => {
      const result = await simulateFixture('start-end', {
        start: { at: START },
        steps: [{ complete: 'Work' }],
      });

      expect(result.state).toBe('completed');
      expect(trace(result).slice(-3)).toEqual([
        'element.activated End',
        'element.completed End',
        'instance.completed start-end',
      ]);
      expect(result.openTasks).toEqual([]);
    });
  });
});

describe('terminate end event', () => {
  describe('given parallel branches at process scope, one of them ending in a terminate end event', () => {
    it('when that branch ends, then the end event completes, every other element is terminated (innermost first) and the instance completes', async () => {
      const result = await simulateFixture('terminate-end', {
        start: { at: START },
        steps: [{ complete: 'B' }],
      });

      expect(result.state).toBe('completed');
      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Fork',
        'element.completed Fork',
        'element.activated A',
        'element.activated B',
        'element.activated Sub',
        'element.activated SubStart',
        'element.completed SubStart',
        'element.activated C',
        'element.completed B',
        'element.activated Kill',
        'element.completed Kill',
        'element.terminated A',
        'element.terminated C',
        'element.terminated Sub',
        'instance.completed terminate-end',
      ]);
      expect(result.openTasks).toEqual([]);
    });

    it('when that branch ends, then the open tasks and the timers of the other branches are cancelled', async () => {
      const driver = await Driver.start('terminate-end');
      driver.complete('B');

      expect(effectTrace(driver.effects)).toEqual([
        'task.completed B',
        'element.completed B',
        'element.activated Kill',
        'element.completed Kill',
        'task.cancelled A',
        'element.terminated A',
        'task.cancelled C',
        'timer.cancelled Remind',
        'element.terminated C',
        'element.terminated Sub',
        'instance.completed terminate-end',
      ]);
      expect(driver.state.status).toBe('completed');
      expect(driver.state.elements).toEqual({});
      expect(driver.state.tasks).toEqual({});
      expect(driver.state.timers).toEqual({});
      expect(driver.state.joins).toEqual({});
    });
  });

  describe('given a terminate end event reached while a parallel branch is still on its way', () => {
    it('when the instance starts, then the other branch is never activated and the instance completes', async () => {
      const result = await simulateFixture('terminate-at-once', {
        start: { at: START },
        steps: [],
      });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Fork',
        'element.completed Fork',
        'element.activated Kill',
        'element.completed Kill',
        'instance.completed terminate-at-once',
      ]);
      expect(result.state).toBe('completed');
      expect(result.openTasks).toEqual([]);
    });
  });

  describe('given a terminate end event inside a sub-process', () => {
    it('when it is reached, then only the sub-process contents are terminated, the sub-process completes and the process continues', async () => {
      const result = await simulateFixture('terminate-in-sub', {
        start: { at: START },
        steps: [{ complete: 'SB' }],
      });

      expect(trace(result).slice(-7)).toEqual([
        'element.activated SB',
        'element.completed SB',
        'element.activated SubKill',
        'element.completed SubKill',
        'element.terminated SA',
        'element.completed Sub',
        'element.activated After',
      ]);
      expect(result.state).toBe('active');
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['Outer', 'After']);
    });

    it('when the process then finishes its other work, then the instance completes normally', async () => {
      const result = await simulateFixture('terminate-in-sub', {
        start: { at: START },
        steps: [{ complete: 'SB' }, { complete: 'After' }, { complete: 'Outer' }],
      });

      expect(result.state).toBe('completed');
      expect(trace(result).at(-1)).toBe('instance.completed terminate-in-sub');
      expect(trace(result).filter((line) => line.startsWith('element.terminated'))).toEqual([
        'element.terminated SA',
      ]);
    });
  });
});
