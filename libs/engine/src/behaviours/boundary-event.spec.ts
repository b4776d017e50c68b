import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, iso, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('boundary timer event', () => {
  describe('given an interrupting PT2H timer on a user task', () => {
    it('when the task is activated, then the boundary timer is scheduled, owned by the task', async () => {
      const driver = await Driver.start('boundary-interrupting');

      expect(effectTrace(driver.effects).slice(-3)).toEqual([
        'element.activated Review',
        'timer.scheduled Escalate',
        'task.created Review',
      ]);
      const review = Object.values(driver.state.elements).find((e) => e.elementId === 'Review');
      expect(driver.timer('Escalate')).toMatchObject({
        purpose: 'boundary',
        elementInstanceKey: review?.key,
      });
      expect(iso(driver.timer('Escalate').dueAt)).toBe('2026-03-02T11:00:00+08:00');
    });

    it('when it fires, then the task is cancelled and terminated, then the boundary path is taken', async () => {
      const driver = await Driver.start('boundary-interrupting');
      driver.fire('Escalate');

      expect(effectTrace(driver.effects)).toEqual([
        'timer.fired Escalate',
        'task.cancelled Review',
        'element.terminated Review',
        'element.activated Escalate',
        'element.completed Escalate',
        'element.activated Escalated',
        'task.created Escalated',
      ]);
    });

    it('when it fires in the simulator, then the events carry the due time', async () => {
      const result = await simulateFixture('boundary-interrupting', {
        start: { at: START },
        steps: [{ advance: 'PT3H' }],
      });

      expect(result.events.slice(-5)).toEqual([
        { at: '2026-03-02T11:00:00+08:00', type: 'timer.fired', elementId: 'Escalate' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.terminated', elementId: 'Review' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.activated', elementId: 'Escalate' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.completed', elementId: 'Escalate' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.activated', elementId: 'Escalated' },
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['Escalated']);
    });

    it('when the task completes first, then the timer is cancelled and never fires', async () => {
      const driver = await Driver.start('boundary-interrupting');
      driver.complete('Review');

      expect(effectTrace(driver.effects)).toEqual([
        'task.completed Review',
        'timer.cancelled Escalate',
        'element.completed Review',
        'element.activated Done',
        'element.completed Done',
        'instance.completed boundary-interrupting',
      ]);
      expect(driver.state.timers).toEqual({});
    });
  });

  describe('given a non-interrupting R3/PT1H timer on a user task', () => {
    it('when a day passes, then it fires exactly three times, each at its own due time, and the task stays open', async () => {
      const result = await simulateFixture('boundary-cycle', {
        start: { at: START },
        steps: [{ advance: 'P1D' }],
      });

      expect(result.events.filter((event) => event.type === 'timer.fired')).toEqual([
        { at: '2026-03-02T10:00:00+08:00', type: 'timer.fired', elementId: 'Remind' },
        { at: '2026-03-02T11:00:00+08:00', type: 'timer.fired', elementId: 'Remind' },
        { at: '2026-03-02T12:00:00+08:00', type: 'timer.fired', elementId: 'Remind' },
      ]);
      expect(trace(result).slice(2, 7)).toEqual([
        'element.activated Review',
        'timer.fired Remind',
        'element.activated Remind',
        'element.completed Remind',
        'element.activated Reminded',
      ]);
      expect(trace(result)).not.toContain('element.terminated Review');
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['Review']);
      expect(result.state).toBe('active');
    });

    it('when it fires, then the next firing is scheduled and the task is not touched', async () => {
      const driver = await Driver.start('boundary-cycle');
      driver.fire('Remind');

      expect(effectTrace(driver.effects)).toEqual([
        'timer.fired Remind',
        'timer.scheduled Remind',
        'element.activated Remind',
        'element.completed Remind',
        'element.activated Reminded',
        'element.completed Reminded',
      ]);
      expect(iso(driver.timer('Remind').dueAt)).toBe('2026-03-02T11:00:00+08:00');
      expect(driver.tasks('Review')).toHaveLength(1);
    });

    it('when it has fired three times, then no timer is left', async () => {
      const driver = await Driver.start('boundary-cycle');
      driver.fire('Remind');
      driver.fire('Remind');
      driver.fire('Remind');

      expect(effectTrace(driver.effects)).not.toContain('timer.scheduled Remind');
      expect(driver.state.timers).toEqual({});
      expect(driver.state.status).toBe('active');
    });

    it('when the task completes early, then the pending timer is cancelled and the cycle stops', async () => {
      const result = await simulateFixture('boundary-cycle', {
        start: { at: START },
        steps: [{ advance: 'PT1H30M' }, { complete: 'Review' }, { advance: 'P1D' }],
      });

      expect(result.events.filter((event) => event.type === 'timer.fired')).toHaveLength(1);
      expect(result.state).toBe('completed');

      const driver = await Driver.start('boundary-cycle');
      driver.fire('Remind');
      driver.complete('Review');
      expect(effectTrace(driver.effects).slice(0, 2)).toEqual([
        'task.completed Review',
        'timer.cancelled Remind',
      ]);
    });
  });

  describe('given an interrupting timer on an embedded sub-process with a task, a nested timer and a catch event inside', () => {
    it('when it fires, then everything inside is cancelled and terminated, innermost first, then the boundary path is taken', async () => {
      const driver = await Driver.start('boundary-sub');
      expect(driver.timers('Nag')).toHaveLength(1);
      expect(driver.timers('Cool')).toHaveLength(1);

      driver.fire('Deadline');

      expect(effectTrace(driver.effects)).toEqual([
        'timer.fired Deadline',
        'task.cancelled Fill',
        'timer.cancelled Nag',
        'element.terminated Fill',
        'timer.cancelled Cool',
        'element.terminated Cool',
        'element.terminated Sub',
        'element.activated Deadline',
        'element.completed Deadline',
        'element.activated TooLate',
        'element.completed TooLate',
        'instance.completed boundary-sub',
      ]);
      expect(driver.state.timers).toEqual({});
      expect(driver.state.tasks).toEqual({});
      expect(driver.state.joins).toEqual({});
    });

    it('when time passes in the simulator, then the nested timer fires until the deadline and never after', async () => {
      const result = await simulateFixture('boundary-sub', {
        start: { at: START },
        steps: [{ advance: 'P2D' }],
      });

      expect(
        result.events
          .filter((event) => event.type === 'timer.fired')
          .map((event) => `${event.at} ${event.elementId}`),
      ).toEqual([
        '2026-03-02T09:25:00+08:00 Nag',
        '2026-03-02T09:50:00+08:00 Nag',
        '2026-03-02T10:00:00+08:00 Deadline',
      ]);
      expect(result.state).toBe('completed');
    });
  });

  describe('given an interrupting and a non-interrupting timer on a parallel multi-instance user task', () => {
    const variables = { members: ['amy', 'bob', 'cat'] };

    it('when the body is activated, then its boundary timers are scheduled once, for the body', async () => {
      const driver = await Driver.start('boundary-mi', { variables });

      expect(driver.timers('Timeout')).toHaveLength(1);
      expect(driver.timers('Chase')).toHaveLength(1);
      const body = Object.values(driver.state.elements).find((e) => e.kind === 'multiInstanceBody');
      expect(driver.timer('Timeout').elementInstanceKey).toBe(body?.key);
    });

    it('when the non-interrupting timer fires, then the inner instances go on', async () => {
      const driver = await Driver.start('boundary-mi', { variables });
      driver.fire('Chase');

      expect(driver.tasks('Vote')).toHaveLength(3);
      expect(effectTrace(driver.effects)).not.toContain('element.terminated Vote');
    });

    it('when the interrupting timer fires, then every open inner instance is terminated and the boundary path is taken', async () => {
      const driver = await Driver.start('boundary-mi', { variables });
      driver.complete('Vote', {}, 1);
      driver.fire('Timeout');

      expect(effectTrace(driver.effects)).toEqual([
        'timer.fired Timeout',
        'task.cancelled Vote',
        'element.terminated Vote',
        'task.cancelled Vote',
        'element.terminated Vote',
        'timer.cancelled Chase',
        'element.activated Timeout',
        'element.completed Timeout',
        'element.activated Closed',
        'element.completed Closed',
        'instance.completed boundary-mi',
      ]);
    });

    it('when all inner instances complete first, then the body timers are cancelled', async () => {
      const driver = await Driver.start('boundary-mi', { variables });
      driver.complete('Vote');
      driver.complete('Vote');
      driver.complete('Vote');

      expect(driver.state.timers).toEqual({});
      expect(driver.state.status).toBe('completed');
    });
  });
});
