import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';
const members = ['amy', 'bob', 'cat'];

describe('multi-instance user task', () => {
  describe('given a parallel multi-instance over `members` with inputElement `member`', () => {
    it('when it is activated, then one inner instance per item is activated at once (the body itself emits nothing)', async () => {
      const result = await simulateFixture('mi-parallel', {
        start: { at: START, variables: { members } },
        steps: [],
      });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Vote',
        'element.activated Vote',
        'element.activated Vote',
      ]);
      expect(result.openTasks.map((task) => task.assignee)).toEqual(members);
    });

    it('when the inner instances run, then each has its item and loopCounter as local variables', async () => {
      const driver = await Driver.start('mi-parallel', { variables: { members } });
      const inner = Object.values(driver.state.elements).filter(
        (e) => e.elementId === 'Vote' && e.kind === 'flowNode',
      );

      expect(inner.map((e) => e.loopCounter)).toEqual([1, 2, 3]);
      expect(inner.map((e) => driver.state.variables[e.key])).toEqual([
        { loopCounter: 1, member: 'amy', vote: null },
        { loopCounter: 2, member: 'bob', vote: null },
        { loopCounter: 3, member: 'cat', vote: null },
      ]);
      expect(driver.variables).toEqual({ members });
    });

    it('when the inner instances complete in any order, then outputCollection holds each outputElement at its item position', async () => {
      const result = await simulateFixture('mi-parallel', {
        start: { at: START, variables: { members } },
        steps: [
          { complete: 'Vote', index: 2, variables: { vote: 'cat-yes' } },
          { complete: 'Vote', index: 0, variables: { vote: 'amy-no' } },
          { complete: 'Vote', variables: { vote: 'bob-yes' } },
        ],
      });

      expect(result.variables).toEqual({ members, votes: ['amy-no', 'bob-yes', 'cat-yes'] });
      expect(trace(result).slice(-4)).toEqual([
        'element.completed Vote',
        'element.completed Vote',
        'element.completed Vote',
        'element.activated Tally',
      ]);
    });

    it('when only some inner instances have completed, then the body waits', async () => {
      const driver = await Driver.start('mi-parallel', { variables: { members } });
      driver.complete('Vote', { vote: 'a' });
      driver.complete('Vote', { vote: 'b' });

      expect(driver.tasks('Vote')).toHaveLength(1);
      expect(driver.tasks('Tally')).toEqual([]);
      expect(driver.variables).toEqual({ members });
    });
  });

  describe('given a sequential multi-instance', () => {
    it('when it runs, then one inner instance at a time is activated, in collection order', async () => {
      const driver = await Driver.start('mi-sequential', { variables: { members } });
      expect(driver.tasks('Vote').map((task) => task.assignee)).toEqual(['amy']);

      driver.complete('Vote', { vote: 1 });
      expect(effectTrace(driver.effects)).toEqual([
        'task.completed Vote',
        'variables.set vote',
        'element.completed Vote',
        'element.activated Vote',
        'task.created Vote',
      ]);
      expect(driver.variables).toEqual({ members });
      expect(driver.tasks('Vote').map((task) => task.assignee)).toEqual(['bob']);
      const inner = Object.values(driver.state.elements).find((e) => e.loopCounter !== undefined);
      expect(inner?.loopCounter).toBe(2);

      driver.complete('Vote', { vote: 2 });
      driver.complete('Vote', { vote: 3 });
      expect(driver.variables).toEqual({ members, votes: [1, 2, 3] });
      expect(driver.tasks('Tally')).toHaveLength(1);
    });
  });

  describe('given completionCondition `numberOfCompletedInstances >= 2`', () => {
    it('when the second inner instance completes, then the rest are terminated and the body completes', async () => {
      const result = await simulateFixture('mi-quorum', {
        start: { at: START, variables: { members } },
        steps: [
          { complete: 'Vote', index: 1, variables: { vote: 'b' } },
          { complete: 'Vote', index: 1, variables: { vote: 'c' } },
        ],
      });

      expect(trace(result).slice(-4)).toEqual([
        'element.completed Vote',
        'element.completed Vote',
        'element.terminated Vote',
        'element.activated Tally',
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['Tally']);
      expect(result.variables).toEqual({ members, votes: [null, 'b', 'c'] });
    });

    it('when the first inner instance completes, then nothing else happens', async () => {
      const driver = await Driver.start('mi-quorum', { variables: { members } });
      driver.complete('Vote');

      expect(driver.tasks('Vote')).toHaveLength(2);
    });
  });

  describe('given a completionCondition on the outputElement of the completing instance (`vote = "no"`)', () => {
    it('when an instance completes with "no", then the condition sees that instance and the rest are terminated', async () => {
      const driver = await Driver.start('mi-veto', { variables: { members } });
      driver.complete('Vote', { vote: 'yes' });
      expect(driver.tasks('Vote')).toHaveLength(2);

      driver.complete('Vote', { vote: 'no' });

      expect(effectTrace(driver.effects)).toEqual([
        'task.completed Vote',
        'variables.set vote',
        'element.completed Vote',
        'task.cancelled Vote',
        'element.terminated Vote',
        'variables.set votes',
        'element.activated Tally',
        'task.created Tally',
      ]);
      expect(driver.variables).toEqual({ members, votes: ['yes', 'no', null] });
    });
  });

  describe('given an output mapping that sets the outputElement variable and a completionCondition on it', () => {
    it('when inner instances complete, then the mapping writes to the inner instance, feeding outputCollection and the condition', async () => {
      const driver = await Driver.start('mi-threshold', { variables: { members, limit: 10 } });
      driver.complete('Vote', { score: 3 });
      expect(driver.tasks('Vote')).toHaveLength(2);

      driver.complete('Vote', { score: 20 });

      expect(driver.tasks('Vote')).toEqual([]);
      expect(driver.tasks('Tally')).toHaveLength(1);
      expect(driver.variables).toEqual({ members, limit: 10, votes: [3, 20, null] });
    });

    it('when the condition fails, then an incident is raised, and resolving it decides with the inner instance that completed', async () => {
      const driver = await Driver.start('mi-threshold', { variables: { members } });
      driver.complete('Vote', { score: 3 });
      const incident = Object.values(driver.state.incidents)[0];
      expect(incident).toMatchObject({ elementId: 'Vote', retry: 'continue' });
      expect(incident?.message).toContain('vote > limit');

      driver.send({
        type: 'resolveIncident',
        incidentKey: incident?.key ?? '',
        variables: { limit: 1 },
      });

      expect(effectTrace(driver.effects)).toEqual([
        'incident.resolved Vote',
        'variables.set limit',
        'task.cancelled Vote',
        'element.terminated Vote',
        'task.cancelled Vote',
        'element.terminated Vote',
        'variables.set votes',
        'element.activated Tally',
        'task.created Tally',
      ]);
      expect(driver.variables).toEqual({ members, limit: 1, votes: [3, null, null] });
    });
  });

  describe('given an empty input collection', () => {
    it('when the body is activated, then it completes at once with an empty output collection', async () => {
      const result = await simulateFixture('mi-parallel', {
        start: { at: START, variables: { members: [] } },
        steps: [],
      });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Tally',
      ]);
      expect(result.variables).toEqual({ members: [], votes: [] });
    });
  });

  describe('given an input collection that is not a list', () => {
    it('when the body is activated, then an incident names the element', async () => {
      const result = await simulateFixture('mi-parallel', {
        start: { at: START, variables: { members: 'amy' } },
        steps: [],
      });

      expect(result.state).toBe('incident');
      expect(result.incidents).toEqual([
        {
          elementId: 'Vote',
          message:
            'the inputCollection of multi-instance \'Vote\' ("=members") evaluated to "amy", not a list',
        },
      ]);
      expect(trace(result).at(-1)).toBe('incident Vote');
    });

    it('when the incident is resolved with a list, then the inner instances are activated', async () => {
      const driver = await Driver.start('mi-sequential', { variables: {} });
      const incident = Object.values(driver.state.incidents)[0];
      expect(incident?.message).toContain('evaluated to null, not a list');

      driver.send({
        type: 'resolveIncident',
        incidentKey: incident?.key ?? '',
        variables: { members: ['dan'] },
      });

      expect(driver.tasks('Vote').map((task) => task.assignee)).toEqual(['dan']);
    });
  });
});
