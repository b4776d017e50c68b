import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';
const variables = { channel: 'sms', retries: 2 };

describe('service task', () => {
  describe('given a service task with a static job type, retries and headers', () => {
    it('when it is activated, then a job of that type is created with the retries and headers', async () => {
      const driver = await Driver.start('service-task', { variables });

      expect(effectTrace(driver.effects).slice(-2)).toEqual([
        'element.activated Charge',
        'task.created Charge',
      ]);
      expect(driver.task('Charge')).toMatchObject({
        kind: 'service',
        name: 'Charge the fee',
        jobType: 'payment',
        retries: 5,
        headers: { currency: 'CNY', mode: 'sync' },
        assignee: null,
        candidateGroups: [],
      });
    });

    it('when no completeTask arrives, then it waits', async () => {
      const result = await simulateFixture('service-task', {
        start: { at: START, variables },
        steps: [{ advance: 'P30D' }],
      });

      expect(result.state).toBe('active');
      expect(trace(result).at(-1)).toBe('element.activated Charge');
    });
  });

  describe('given a service task with a FEEL job type and retries', () => {
    it('when it is activated, then the expressions are evaluated', async () => {
      const driver = await Driver.start('service-task', { variables });
      driver.complete('Charge', { paid: true });

      expect(driver.task('Notify')).toMatchObject({
        jobType: 'sms-notify',
        retries: 2,
        headers: {},
      });
    });

    it('when the job type expression fails, then an incident names the element', async () => {
      const driver = await Driver.start('service-task', { variables: { retries: 1 } });
      driver.complete('Charge');

      const incidents = Object.values(driver.state.incidents);
      expect(incidents.map((incident) => incident.elementId)).toEqual(['Notify']);
      expect(incidents[0]?.message).toContain("'Notify'");
    });
  });

  describe('given an open job', () => {
    it('when its completeTask is sent, then the task completes with the job variables', async () => {
      const driver = await Driver.start('service-task', { variables });
      driver.complete('Charge', { receipt: 'R-1' });

      expect(effectTrace(driver.effects)).toEqual([
        'task.completed Charge',
        'variables.set receipt',
        'element.completed Charge',
        'element.activated Notify',
        'task.created Notify',
      ]);
      expect(driver.variables).toEqual({ ...variables, receipt: 'R-1' });
    });

    it('when the simulator runs, then the job is among the open tasks and `complete` completes it', async () => {
      const open = await simulateFixture('service-task', {
        start: { at: START, variables },
        steps: [],
      });
      expect(open.openTasks).toEqual([
        {
          elementId: 'Charge',
          name: 'Charge the fee',
          assignee: null,
          candidateGroups: [],
          dueAt: null,
        },
      ]);

      const done = await simulateFixture('service-task', {
        start: { at: START, variables },
        steps: [{ complete: 'Charge', variables: { receipt: 'R-1' } }, { complete: 'Notify' }],
      });
      expect(done.state).toBe('completed');
      expect(done.variables).toEqual({ ...variables, receipt: 'R-1' });
    });
  });

  describe('given a job that failed for good', () => {
    it('when failTask is sent, then the task is withdrawn and an incident names the element and the cause', async () => {
      const driver = await Driver.start('service-task', { variables });
      const charge = driver.task('Charge');
      driver.send({ type: 'failTask', taskKey: charge.key, message: 'gateway said 503' });

      expect(effectTrace(driver.effects)).toEqual([
        'task.cancelled Charge',
        'incident.created Charge',
      ]);
      expect(driver.tasks('Charge')).toEqual([]);
      expect(Object.values(driver.state.incidents)).toEqual([
        expect.objectContaining({
          elementId: 'Charge',
          message: 'gateway said 503',
          retry: 'activate',
        }),
      ]);
      // A repeated report finds no open task
      expect(() =>
        driver.send({ type: 'failTask', taskKey: charge.key, message: 'again' }),
      ).toThrow(/no open task/);
    });

    it('when the incident is resolved, then a new job is created and the instance goes on', async () => {
      const driver = await Driver.start('service-task', { variables });
      driver.send({ type: 'failTask', taskKey: driver.task('Charge').key, message: 'down' });
      const incident = Object.values(driver.state.incidents)[0];
      driver.send({ type: 'resolveIncident', incidentKey: incident.key });

      expect(effectTrace(driver.effects)).toEqual([
        'incident.resolved Charge',
        'task.created Charge',
      ]);
      driver.complete('Charge', { receipt: 'R-2' });
      expect(driver.task('Notify')).toMatchObject({ jobType: 'sms-notify' });
    });
  });
});
