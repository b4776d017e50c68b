import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

describe('pass-through elements (bpmn:Task, bpmn:ManualTask, none intermediate throw event)', () => {
  describe('given a task, a none throw event and a manual task in a row', () => {
    it('when the token reaches them, then each activates and completes at once, in order', async () => {
      const result = await simulateFixture('start-end', {
        start: { at: '2026-03-02T09:00:00+08:00' },
        steps: [{ complete: 'Work' }],
      });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Work',
        'element.completed Work',
        'element.activated Note',
        'element.completed Note',
        'element.activated Throw',
        'element.completed Throw',
        'element.activated Manual',
        'element.completed Manual',
        'element.activated End',
        'element.completed End',
        'instance.completed start-end',
      ]);
    });

    it('when they pass the token on, then they create no tasks and no timers', async () => {
      const driver = await Driver.start('start-end');
      driver.complete('Work');

      expect(effectTrace(driver.effects).filter((line) => /^(task|timer)\./.test(line))).toEqual([
        'task.completed Work',
      ]);
      expect(driver.state.status).toBe('completed');
    });
  });
});
