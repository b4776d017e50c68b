import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, iso, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('intermediate timer catch event', () => {
  describe('given a timeDuration PT2H', () => {
    it('when the token arrives, then a timer is scheduled two hours later and the token waits', async () => {
      const driver = await Driver.start('timer-duration');

      expect(effectTrace(driver.effects).slice(-2)).toEqual([
        'element.activated Wait',
        'timer.scheduled Wait',
      ]);
      expect(driver.timer('Wait')).toMatchObject({ purpose: 'catch', cycle: null });
      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-03-02T11:00:00+08:00');
    });

    it('when less time passes, then nothing happens', async () => {
      const result = await simulateFixture('timer-duration', {
        start: { at: START },
        steps: [{ advance: 'PT1H59M59S' }],
      });

      expect(trace(result).at(-1)).toBe('element.activated Wait');
      expect(result.state).toBe('active');
    });

    it('when the time passes, then the timer fires at its due time and the token moves on', async () => {
      const result = await simulateFixture('timer-duration', {
        start: { at: START },
        steps: [{ advance: 'P1D' }],
      });

      expect(result.events.slice(-5)).toEqual([
        { at: '2026-03-02T11:00:00+08:00', type: 'timer.fired', elementId: 'Wait' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.completed', elementId: 'Wait' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.activated', elementId: 'End' },
        { at: '2026-03-02T11:00:00+08:00', type: 'element.completed', elementId: 'End' },
        {
          at: '2026-03-02T11:00:00+08:00',
          type: 'instance.completed',
          elementId: 'timer-duration',
        },
      ]);
      expect(result.state).toBe('completed');
      expect(result.now).toBe('2026-03-03T09:00:00+08:00');
    });
  });

  describe('given a timeDuration P1M (zone Asia/Shanghai)', () => {
    it('when the token arrives on January 31, then the timer is due on February 28 (month end clamped)', async () => {
      const driver = await Driver.start('timer-month', { at: '2026-01-31T09:00:00+08:00' });

      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-02-28T09:00:00+08:00');
    });

    it('when the token arrives on March 31 at 23:30 Shanghai time, then the month is counted in Shanghai time', async () => {
      const driver = await Driver.start('timer-month', { at: '2026-03-31T15:30:00Z' });

      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-04-30T23:30:00+08:00');
    });
  });

  describe('given a timeDate', () => {
    it('when the date is ahead, then the timer fires at that date', async () => {
      const result = await simulateFixture('timer-date', {
        start: { at: START },
        steps: [{ advanceTo: '2026-03-10T00:00:00+08:00' }],
      });

      expect(result.events.find((event) => event.type === 'timer.fired')).toEqual({
        at: '2026-03-05T10:00:00+08:00',
        type: 'timer.fired',
        elementId: 'Wait',
      });
      expect(result.state).toBe('completed');
    });

    it('when the date has already passed, then the simulator fires the timer at once', async () => {
      const result = await simulateFixture('timer-date', {
        start: { at: '2026-06-01T08:00:00+08:00' },
        steps: [],
      });

      expect(result.state).toBe('completed');
      expect(result.events.find((event) => event.type === 'timer.fired')?.at).toBe(
        '2026-06-01T08:00:00+08:00',
      );
    });

    it('when the date has already passed, then the engine schedules the timer as due in the past', async () => {
      const driver = await Driver.start('timer-date', { at: '2026-06-01T08:00:00+08:00' });

      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-03-05T10:00:00+08:00');
      driver.fire('Wait');
      expect(driver.state.status).toBe('completed');
    });
  });

  describe('given FEEL timer expressions', () => {
    it('when a FEEL duration is evaluated, then the timer uses its value', async () => {
      const driver = await Driver.start('timer-feel-duration', { variables: { delay: 'PT45M' } });

      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-03-02T09:45:00+08:00');
    });

    it('when a FEEL date is evaluated, then the timer uses its value', async () => {
      const driver = await Driver.start('timer-feel-date', {
        variables: { remindAt: '2026-03-04T08:00:00+08:00' },
      });

      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-03-04T08:00:00+08:00');
    });

    it('when the expression does not yield an ISO text, then an incident names the element', async () => {
      const result = await simulateFixture('timer-feel-duration', {
        start: { at: START, variables: { delay: 5 } },
        steps: [],
      });

      expect(result.state).toBe('incident');
      expect(result.incidents).toEqual([
        {
          elementId: 'Wait',
          message: 'timer timeDuration expression "=delay" evaluated to 5, not an ISO-8601 text',
        },
      ]);
    });

    it('when the text is not a valid duration, then an incident is raised, and resolving it with a good value schedules the timer', async () => {
      const driver = await Driver.start('timer-feel-duration', { variables: { delay: 'soon' } });
      const incident = Object.values(driver.state.incidents)[0];
      expect(incident?.elementId).toBe('Wait');
      expect(driver.state.timers).toEqual({});

      driver.send({
        type: 'resolveIncident',
        incidentKey: incident?.key ?? '',
        variables: { delay: 'PT10M' },
      });

      expect(effectTrace(driver.effects)).toEqual([
        'incident.resolved Wait',
        'variables.set delay',
        'timer.scheduled Wait',
      ]);
      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-03-02T09:10:00+08:00');
    });
  });
});
