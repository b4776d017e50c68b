import { describe, expect, it } from '@jest/globals';
import { fixture, simulateFixture, trace } from '../testing/fixtures.js';
import { type Scenario, ScenarioError, parseScenario } from './scenario.js';
import { simulate } from './simulate.js';

const START = '2026-03-02T09:00:00+08:00';

function scenarioError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

async function simulationError(name: string, scenario: unknown): Promise<string> {
  const ctx = await fixture(name);
  return scenarioError(() => simulate(ctx, name, scenario as Scenario));
}

describe('parseScenario', () => {
  describe('given a valid scenario', () => {
    it('when parsed, then it comes back as written, with no steps meaning none', () => {
      const input = {
        process: 'p',
        start: { at: START, variables: { a: 1 } },
        steps: [{ complete: 'T', variables: { b: 2 }, index: 1 }, { advance: 'P1D' }],
      };

      expect(parseScenario(input)).toEqual(input);
      expect(parseScenario({ start: { at: START } }).steps).toEqual([]);
    });
  });

  describe('given an invalid scenario', () => {
    it.each<[string, unknown, string]>([
      ['not an object', [], 'the scenario must be a JSON object'],
      ['no start', { steps: [] }, '"start" must be an object with "at"'],
      [
        'a start without at',
        { start: {} },
        '"start.at" must be an ISO-8601 date-time, e.g. 2026-03-02T09:00:00+08:00',
      ],
      [
        'an unknown top-level field',
        { start: { at: START }, step: [] },
        'the scenario has unknown field "step"',
      ],
      ['steps that are not a list', { start: { at: START }, steps: {} }, '"steps" must be a list'],
      [
        'a step with two actions',
        { start: { at: START }, steps: [{ advance: 'P1D' }, { complete: 'A', advance: 'P1D' }] },
        'step 2 must have exactly one of "complete", "advance", "advanceTo" (found complete, advance)',
      ],
      [
        'a step with no action',
        { start: { at: START }, steps: [{ wait: 'P1D' }] },
        'step 1 must have exactly one of "complete", "advance", "advanceTo" (found none)',
      ],
      [
        'a negative index',
        {
          start: { at: START },
          steps: [{ advance: 'P1D' }, { advance: 'P1D' }, { complete: 'A', index: -1 }],
        },
        'step 3: "index" must be a whole number from 0',
      ],
      [
        'a complete that is not an element id',
        { start: { at: START }, steps: [{ complete: 3 }] },
        'step 1: "complete" must be an element id',
      ],
      [
        'an advance that is not a text',
        { start: { at: START }, steps: [{ advance: 3600 }] },
        'step 1: "advance" must be an ISO-8601 duration, e.g. P1D',
      ],
      [
        'an extra field on a step',
        { start: { at: START }, steps: [{ advanceTo: START, variables: {} }] },
        'step 1 has unknown field "variables"',
      ],
    ])('when it has %s, then the error says what is wrong where', (_what, input, message) => {
      expect(scenarioError(() => parseScenario(input))).toBe(message);
    });
  });
});

describe('simulate', () => {
  describe('given a scenario that runs a process to its end', () => {
    it('when simulated, then the result has the contract shape, in the printed field order', async () => {
      const result = await simulateFixture('timer-duration', {
        start: { at: START, variables: { who: 'amy' } },
        steps: [{ advance: 'PT3H' }],
      });

      expect(Object.keys(result)).toEqual([
        'state',
        'now',
        'openTasks',
        'incidents',
        'events',
        'variables',
      ]);
      expect(result).toEqual({
        state: 'completed',
        now: '2026-03-02T12:00:00+08:00',
        openTasks: [],
        incidents: [],
        events: [
          { at: START, type: 'element.activated', elementId: 'Start' },
          { at: START, type: 'element.completed', elementId: 'Start' },
          { at: START, type: 'element.activated', elementId: 'Wait' },
          { at: '2026-03-02T11:00:00+08:00', type: 'timer.fired', elementId: 'Wait' },
          { at: '2026-03-02T11:00:00+08:00', type: 'element.completed', elementId: 'Wait' },
          { at: '2026-03-02T11:00:00+08:00', type: 'element.activated', elementId: 'End' },
          { at: '2026-03-02T11:00:00+08:00', type: 'element.completed', elementId: 'End' },
          {
            at: '2026-03-02T11:00:00+08:00',
            type: 'instance.completed',
            elementId: 'timer-duration',
          },
        ],
        variables: { who: 'amy' },
      });
    });

    it('when it is given without steps, then it only starts the process', async () => {
      const result = await simulateFixture('start-end', { start: { at: START } } as Scenario);

      expect(result.state).toBe('active');
      expect(result.now).toBe(START);
    });
  });

  describe('`complete` steps', () => {
    it('given several open tasks of one element, when `index` is given, then the n-th in creation order is completed', async () => {
      const result = await simulateFixture('mi-parallel', {
        start: { at: START, variables: { members: ['amy', 'bob', 'cat'] } },
        steps: [{ complete: 'Vote', index: 1, variables: { vote: 'b' } }],
      });

      expect(result.openTasks.map((task) => task.assignee)).toEqual(['amy', 'cat']);
      expect(trace(result).at(-1)).toBe('element.completed Vote');
    });

    it('given no open task of the element, when completed, then the error names the step and lists the open tasks', async () => {
      expect(
        await simulationError('parallel-gateway', {
          start: { at: START },
          steps: [{ complete: 'A' }, { complete: 'A' }],
        }),
      ).toBe("step 2: there is no open task of element 'A'; open tasks: B, C; instance is active");
    });

    it('given fewer open tasks than the index, when completed, then the error says how many are open', async () => {
      expect(
        await simulationError('mi-parallel', {
          start: { at: START, variables: { members: ['amy', 'bob'] } },
          steps: [{ complete: 'Vote', index: 2 }],
        }),
      ).toBe(
        "step 1: there is no open task of element 'Vote' at index 2 (2 open); open tasks: Vote, Vote; instance is active",
      );
    });

    it('given a completed instance, when a task is completed, then the error says the instance completed', async () => {
      expect(
        await simulationError('start-end', {
          start: { at: START },
          steps: [{ complete: 'Work' }, { complete: 'Work' }],
        }),
      ).toBe(
        "step 2: there is no open task of element 'Work'; open tasks: none; instance is completed",
      );
    });

    it('given a completion, when it is stamped, then its events carry the simulated time of the step', async () => {
      const result = await simulateFixture('start-end', {
        start: { at: START },
        steps: [{ advance: 'PT90M' }, { complete: 'Work' }],
      });

      expect(result.events.at(-1)).toEqual({
        at: '2026-03-02T10:30:00+08:00',
        type: 'instance.completed',
        elementId: 'start-end',
      });
    });
  });

  describe('clock steps', () => {
    it('given timers falling due at different times, when the clock advances past all of them, then each fires in due order, stamped with its own due time', async () => {
      const result = await simulateFixture('boundary-sub', {
        start: { at: START },
        steps: [{ advance: 'PT1H' }],
      });

      expect(result.events.filter((event) => event.type === 'timer.fired')).toEqual([
        { at: '2026-03-02T09:25:00+08:00', type: 'timer.fired', elementId: 'Nag' },
        { at: '2026-03-02T09:50:00+08:00', type: 'timer.fired', elementId: 'Nag' },
        { at: '2026-03-02T10:00:00+08:00', type: 'timer.fired', elementId: 'Deadline' },
      ]);
      const afterNag = result.events.findIndex((e) => e.at === '2026-03-02T09:50:00+08:00');
      expect(result.events[afterNag + 1]).toEqual({
        at: '2026-03-02T09:50:00+08:00',
        type: 'element.activated',
        elementId: 'Nag',
      });
      expect(result.now).toBe('2026-03-02T10:00:00+08:00');
    });

    it('given a timer due exactly at the target, when the clock moves there, then it fires', async () => {
      const result = await simulateFixture('timer-duration', {
        start: { at: START },
        steps: [{ advanceTo: '2026-03-02T11:00:00+08:00' }],
      });

      expect(result.state).toBe('completed');
    });

    it('given two advances, when the timer falls due in the second one, then it fires then and not before', async () => {
      const result = await simulateFixture('timer-duration', {
        start: { at: START },
        steps: [{ advance: 'PT1H' }, { advance: 'PT1H30M' }],
      });

      expect(result.events.find((event) => event.type === 'timer.fired')?.at).toBe(
        '2026-03-02T11:00:00+08:00',
      );
      expect(result.now).toBe('2026-03-02T11:30:00+08:00');
    });

    it('given an advanceTo into the past, when simulated, then the error names the step', async () => {
      expect(
        await simulationError('timer-duration', {
          start: { at: START },
          steps: [{ advance: 'PT1H' }, { advanceTo: '2026-03-02T09:30:00+08:00' }],
        }),
      ).toBe(
        'step 2: advanceTo 2026-03-02T09:30:00+08:00 is before the simulated time 2026-03-02T10:00:00+08:00',
      );
    });

    it('given an advanceTo the current time, when simulated, then nothing moves', async () => {
      const result = await simulateFixture('timer-duration', {
        start: { at: START },
        steps: [{ advanceTo: START }],
      });

      expect(result.now).toBe(START);
    });

    it('given a bad duration or date, when simulated, then the error names the step and the field', async () => {
      expect(
        await simulationError('timer-duration', {
          start: { at: START },
          steps: [{ advance: '1 day' }],
        }),
      ).toMatch(/^step 1: "advance": "1 day" is not an ISO-8601 duration/);
      expect(
        await simulationError('timer-duration', {
          start: { at: START },
          steps: [{ advance: 'P1D' }, { advanceTo: 'tomorrow' }],
        }),
      ).toMatch(/^step 2: "advanceTo": /);
      expect(await simulationError('timer-duration', { start: { at: 'now' }, steps: [] })).toMatch(
        /^"start.at": /,
      );
    });
  });

  describe('scenario checks inside simulate', () => {
    it('given a scenario that is not valid, when simulated directly, then the error names the step', async () => {
      expect(
        await simulationError('start-end', {
          start: { at: START },
          steps: [{ complete: 'Work' }, { advance: 'P1D', complete: 'Work' }],
        }),
      ).toBe(
        'step 2 must have exactly one of "complete", "advance", "advanceTo" (found complete, advance)',
      );
    });

    it('given a process that is not deployed, when simulated, then the error says so at start', async () => {
      const ctx = await fixture('start-end');

      expect(scenarioError(() => simulate(ctx, 'nope', { start: { at: START }, steps: [] }))).toBe(
        "start: process 'nope' is not deployed",
      );
    });
  });
});
