import { describe, expect, it } from '@jest/globals';
import { Driver, at, iso, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('user task', () => {
  describe('given static assignment, schedule and form attributes', () => {
    it('when the task is activated, then the task carries them as written', async () => {
      const driver = await Driver.start('user-task-static');
      const task = driver.task('Review');

      expect(task).toMatchObject({
        kind: 'user',
        elementId: 'Review',
        name: 'Review the report',
        assignee: 'amy',
        candidateGroups: ['secretary', 'committee'],
        candidateUsers: ['bob', 'carol'],
        dueAt: at('2026-03-10T18:00:00+08:00'),
        followUpAt: at('2026-03-03T11:00:00+08:00'),
        formKey: 'camunda-forms:bpmn:review',
        formId: null,
        createdAt: at(START),
        jobType: null,
      });
    });

    it('when a due date is an ISO duration, then it counts from the activation of the task', async () => {
      const driver = await Driver.start('user-task-static');
      driver.now = at('2026-03-04T15:30:00+08:00');
      driver.complete('Review');

      const task = driver.task('Publish');
      expect(iso(task.dueAt as number)).toBe('2026-03-07T15:30:00+08:00');
      expect(task.formId).toBe('publish-form');
      expect(task.formKey).toBeNull();
      expect(task.assignee).toBeNull();
      expect(task.candidateGroups).toEqual([]);
    });

    it('when the task is open, then the simulator lists it with its assignee, groups and due date', async () => {
      const result = await simulateFixture('user-task-static', { start: { at: START }, steps: [] });

      expect(result.openTasks).toEqual([
        {
          elementId: 'Review',
          name: 'Review the report',
          assignee: 'amy',
          candidateGroups: ['secretary', 'committee'],
          dueAt: '2026-03-10T18:00:00+08:00',
        },
      ]);
    });
  });

  describe('given FEEL assignment and schedule expressions', () => {
    const variables = {
      reviewer: 'amy',
      users: ['bob', 'carol'],
      deadline: '2026-03-20T17:00:00+08:00',
      checker: 'dan',
      groups: 'audit, board',
    };

    it('when the task is activated, then the expressions are evaluated against the variables', async () => {
      const driver = await Driver.start('user-task-feel', { variables });

      expect(driver.task('Review')).toMatchObject({
        assignee: 'amy',
        candidateGroups: ['a', 'b'],
        candidateUsers: ['bob', 'carol'],
        dueAt: at('2026-03-20T17:00:00+08:00'),
        followUpAt: at('2026-03-02T11:00:00+08:00'),
      });
    });

    it('when an expression yields a comma-separated text or an ISO duration, then it is read like the static form', async () => {
      const driver = await Driver.start('user-task-feel', { variables });
      driver.complete('Review');

      expect(driver.task('Check')).toMatchObject({
        assignee: 'dan',
        candidateGroups: ['audit', 'board'],
        dueAt: at('2026-03-04T09:00:00+08:00'),
      });
    });

    it('when the assignee expression yields something else than a string, then an incident names the element and the attribute', async () => {
      const result = await simulateFixture('user-task-feel', {
        start: { at: START, variables: { ...variables, reviewer: ['amy', 'bob'] } },
        steps: [],
      });

      expect(result.state).toBe('incident');
      expect(result.openTasks).toEqual([]);
      expect(result.incidents).toEqual([
        {
          elementId: 'Review',
          message: `assignee of 'Review' ("=reviewer") evaluated to ["amy","bob"], expected a string`,
        },
      ]);
      expect(trace(result).slice(-2)).toEqual(['element.activated Review', 'incident Review']);
    });

    it('when candidateGroups yields a list with a non-string, then an incident names the element', async () => {
      const driver = await Driver.start('user-task-feel', {
        variables: { ...variables, groups: [1] },
      });
      driver.complete('Review');

      expect(driver.tasks('Check')).toEqual([]);
      expect(Object.values(driver.state.incidents).map((incident) => incident.message)).toEqual([
        `candidateGroups of 'Check' ("=groups") evaluated to [1], expected a list of strings`,
      ]);
    });

    it('when the incident is resolved with a good value, then the task is created', async () => {
      const driver = await Driver.start('user-task-feel', {
        variables: { ...variables, reviewer: { name: 'amy' } },
      });
      const incident = Object.values(driver.state.incidents)[0];
      expect(incident?.elementId).toBe('Review');

      driver.send({
        type: 'resolveIncident',
        incidentKey: incident?.key ?? '',
        variables: { reviewer: 'amy' },
      });

      expect(driver.state.incidents).toEqual({});
      expect(driver.task('Review').assignee).toBe('amy');
    });
  });

  describe('given an open user task', () => {
    it('when it is completed with variables, then they land on the process scope and the token moves on', async () => {
      const result = await simulateFixture('user-task-static', {
        start: { at: START, variables: { report: 'r1' } },
        steps: [{ complete: 'Review', variables: { approved: true, remarks: { text: 'ok' } } }],
      });

      expect(result.variables).toEqual({ report: 'r1', approved: true, remarks: { text: 'ok' } });
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['Publish']);
      expect(trace(result).slice(-3)).toEqual([
        'element.activated Review',
        'element.completed Review',
        'element.activated Publish',
      ]);
    });

    it('when it is completed, then task.completed carries the variables, before element.completed', async () => {
      const driver = await Driver.start('user-task-static');
      const task = driver.task('Review');
      driver.complete('Review', { approved: false });

      expect(driver.effects[0]).toEqual({
        type: 'task.completed',
        task,
        variables: { approved: false },
      });
      expect(driver.effects.map((effect) => effect.type)).toEqual([
        'task.completed',
        'variables.set',
        'element.completed',
        'element.activated',
        'task.created',
      ]);
    });
  });
});
