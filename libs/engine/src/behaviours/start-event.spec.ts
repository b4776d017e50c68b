import { describe, expect, it } from '@jest/globals';
import { EngineException, EngineExceptionCode } from '../errors.js';
import { Driver, effectTrace, iso, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('none start event', () => {
  describe('given a process with a none start event', () => {
    it('when it is started, then the start event activates and completes at once and the token moves on', async () => {
      const result = await simulateFixture('start-end', { start: { at: START }, steps: [] });

      expect(result.state).toBe('active');
      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Work',
      ]);
      expect(result.events.every((event) => event.at === START)).toBe(true);
      expect(result.openTasks).toEqual([
        { elementId: 'Work', name: 'Work', assignee: null, candidateGroups: [], dueAt: null },
      ]);
    });

    it('when it is started with variables, then they are the instance variables', async () => {
      const result = await simulateFixture('start-end', {
        start: { at: START, variables: { applicant: 'amy', score: 1 } },
        steps: [],
      });

      expect(result.variables).toEqual({ applicant: 'amy', score: 1 });
    });
  });
});

describe('timer start event', () => {
  describe('given a timer start event with a timeDate', () => {
    it('when the instance is started before the date, then it waits: nothing is activated, one start timer is scheduled', async () => {
      const driver = await Driver.start('timer-start-date');

      expect(effectTrace(driver.effects)).toEqual(['timer.scheduled At']);
      expect(iso(driver.timer('At').dueAt)).toBe('2026-03-05T09:00:00+08:00');
      expect(driver.timer('At').purpose).toBe('start');
      expect(driver.state.status).toBe('active');
      expect(Object.keys(driver.state.tasks)).toEqual([]);
    });

    it('when the clock reaches the date, then the process starts at the start event, stamped with the due time', async () => {
      const result = await simulateFixture('timer-start-date', {
        start: { at: START },
        steps: [{ advance: 'P7D' }],
      });

      expect(result.events).toEqual([
        { at: '2026-03-05T09:00:00+08:00', type: 'timer.fired', elementId: 'At' },
        { at: '2026-03-05T09:00:00+08:00', type: 'element.activated', elementId: 'At' },
        { at: '2026-03-05T09:00:00+08:00', type: 'element.completed', elementId: 'At' },
        { at: '2026-03-05T09:00:00+08:00', type: 'element.activated', elementId: 'Work' },
      ]);
      expect(result.state).toBe('active');
      expect(result.now).toBe('2026-03-09T09:00:00+08:00');
    });

    it('when the clock has not reached the date yet, then nothing happens', async () => {
      const result = await simulateFixture('timer-start-date', {
        start: { at: START },
        steps: [{ advanceTo: '2026-03-05T08:59:59+08:00' }],
      });

      expect(result.events).toEqual([]);
      expect(result.state).toBe('active');
      expect(result.openTasks).toEqual([]);
    });

    it('when the date has already passed at start, then the process starts at once', async () => {
      const result = await simulateFixture('timer-start-date', {
        start: { at: '2026-04-01T00:00:00+08:00' },
        steps: [],
      });

      expect(trace(result)).toEqual([
        'timer.fired At',
        'element.activated At',
        'element.completed At',
        'element.activated Work',
      ]);
      expect(result.events[0]?.at).toBe('2026-04-01T00:00:00+08:00');
    });
  });

  describe('given a timer start event with a timeCycle R3/PT1H', () => {
    it('when hours pass, then the process starts once, at the first firing, and the cycle does not start it again', async () => {
      const result = await simulateFixture('timer-start-cycle', {
        start: { at: START },
        steps: [{ advance: 'PT5H' }],
      });

      expect(result.events.filter((event) => event.type === 'timer.fired')).toEqual([
        { at: '2026-03-02T10:00:00+08:00', type: 'timer.fired', elementId: 'Every' },
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['Work']);
    });

    it('when the first firing starts the instance, then no timer is left', async () => {
      const driver = await Driver.start('timer-start-cycle');
      driver.fire('Every');

      expect(driver.state.timers).toEqual({});
      expect(effectTrace(driver.effects)).toEqual([
        'timer.fired Every',
        'element.activated Every',
        'element.completed Every',
        'element.activated Work',
        'task.created Work',
      ]);
    });
  });

  describe('given two timer start events, one of them FEEL', () => {
    it('when the earlier one fires, then it starts the process and the other timer is cancelled', async () => {
      const driver = await Driver.start('timer-start-two', {
        variables: { lateAt: '2026-03-02T09:30:00+08:00' },
      });
      expect(driver.timers('Late').map((timer) => iso(timer.dueAt))).toEqual([
        '2026-03-02T09:30:00+08:00',
      ]);

      driver.fire('Late');

      expect(effectTrace(driver.effects)).toEqual([
        'timer.fired Late',
        'timer.cancelled Early',
        'element.activated Late',
        'element.completed Late',
        'element.activated Work',
        'task.created Work',
      ]);
      expect(driver.state.timers).toEqual({});
    });

    it('when the FEEL timer does not evaluate to a date-time, then the start is refused', async () => {
      await expect(Driver.start('timer-start-two', { variables: { lateAt: 5 } })).rejects.toThrow(
        new EngineException(
          EngineExceptionCode.INVALID_START,
          'the timer of start event \'Late\' cannot be scheduled: timer timeDate expression "=lateAt" evaluated to 5, not an ISO-8601 text',
        ),
      );
    });
  });
});
