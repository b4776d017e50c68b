import { describe, expect, it } from '@jest/globals';
import { compileBpmn } from '@app/bpmn';
import { caller } from '../../../../test/support/hostile-bpmn.js';
import { flow, processXml } from '../../../bpmn/src/testing/fixtures.js';
import { type EngineContext, registryOf } from '../context.js';
import { simulate } from '../simulation/simulate.js';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('call activity', () => {
  describe('given a call activity calling another process of the same file', () => {
    it('when it is activated, then the child process starts inside the instance (no element events for the process itself)', async () => {
      const result = await simulateFixture('caller', {
        start: { at: START, variables: { owner: 'amy' } },
        steps: [],
      });

      expect(trace(result)).toEqual([
        'element.activated Start',
        'element.completed Start',
        'element.activated Call',
        'element.activated ChildStart',
        'element.completed ChildStart',
        'element.activated Work',
      ]);
      expect(result.openTasks).toEqual([
        { elementId: 'Work', name: null, assignee: 'amy', candidateGroups: [], dueAt: null },
      ]);
    });

    it('when the child ends, then the call activity completes and the caller continues', async () => {
      const result = await simulateFixture('caller', {
        start: { at: START, variables: { owner: 'amy' } },
        steps: [{ complete: 'Work', variables: { result: 'done' } }],
      });

      expect(trace(result).slice(-5)).toEqual([
        'element.completed Work',
        'element.activated ChildEnd',
        'element.completed ChildEnd',
        'element.completed Call',
        'element.activated After',
      ]);
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['After']);
    });

    it('when the child runs, then it sees a copy of the parent variables and its own variables come back (default propagation)', async () => {
      const driver = await Driver.start('caller', { variables: { owner: 'amy', keep: 1 } });
      const child = Object.values(driver.state.elements).find(
        (e) => e.kind === 'process' && e.parentKey !== null,
      );
      expect(child?.elementId).toBe('child');
      expect(driver.state.variables[child?.key ?? '']).toEqual({ owner: 'amy', keep: 1 });

      driver.complete('Work', { result: 'done', owner: 'bob' });

      expect(driver.variables).toEqual({ owner: 'bob', keep: 1, result: 'done' });
      expect(driver.state.variables[child?.key ?? '']).toBeUndefined();
    });
  });

  describe('given propagateAllChildVariables="false" with an output mapping and a FEEL process id', () => {
    it('when the child ends, then only the output mappings come back', async () => {
      const result = await simulateFixture('caller-outputs-only', {
        start: { at: START, variables: { childId: 'child', owner: 'amy' } },
        steps: [{ complete: 'Work', variables: { result: 42, noise: true } }],
      });

      expect(result.variables).toEqual({ childId: 'child', owner: 'amy', childResult: 42 });
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['After']);
    });
  });

  describe('given propagateAllParentVariables="false" and propagateAllChildVariables="false" without output mappings', () => {
    it('when the child starts, then it sees only the input mappings, and nothing comes back', async () => {
      const driver = await Driver.start('caller-isolated', {
        variables: { reviewer: 'cat', secret: 's' },
      });
      const child = Object.values(driver.state.elements).find((e) => e.elementId === 'child');
      expect(driver.state.variables[child?.key ?? '']).toEqual({ owner: 'cat' });
      expect(driver.task('Work').assignee).toBe('cat');

      driver.complete('Work', { result: 'x' });

      expect(driver.variables).toEqual({ reviewer: 'cat', secret: 's' });
      expect(driver.tasks('After')).toHaveLength(1);
    });
  });

  describe('given a call activity whose process is not deployed', () => {
    it('when it is activated, then an incident names the call activity and the process id', async () => {
      const result = await simulateFixture('caller-missing', { start: { at: START }, steps: [] });

      expect(result.state).toBe('incident');
      expect(result.incidents).toEqual([
        {
          elementId: 'Call',
          message: "call activity 'Call' calls process 'nowhere', which is not deployed",
        },
      ]);
      expect(trace(result).slice(-2)).toEqual(['element.activated Call', 'incident Call']);
    });
  });

  describe('given a child process that ends at a terminate end event', () => {
    it('when the child terminates its work, then only the child ends and the caller continues', async () => {
      const result = await simulateFixture('caller-terminate', {
        start: { at: START },
        steps: [{ complete: 'Stop' }],
      });

      expect(trace(result).slice(-6)).toEqual([
        'element.completed Stop',
        'element.activated ChildKill',
        'element.completed ChildKill',
        'element.terminated Work',
        'element.completed Call',
        'element.activated After',
      ]);
      expect(result.state).toBe('active');
      expect(result.openTasks.map((task) => task.elementId)).toEqual(['After']);
    });
  });

  describe('given a caller cancelled while the child runs', () => {
    it('when the instance is cancelled, then the child work is terminated first, then the call activity', async () => {
      const driver = await Driver.start('caller', { variables: { owner: 'amy' } });
      driver.send({ type: 'cancel' });

      expect(effectTrace(driver.effects)).toEqual([
        'task.cancelled Work',
        'element.terminated Work',
        'element.terminated Call',
        'instance.terminated caller',
      ]);
      expect(driver.state.elements).toEqual({});
    });
  });
});

describe('call activity recursion', () => {
  /** Process `self` whose call activity calls, through FEEL, the process named in `target`. */
  async function selfCalling(limits: Partial<EngineContext> = {}): Promise<EngineContext> {
    const definitions = await compileBpmn(caller('self', '=target'));
    return { processes: registryOf(definitions), ...limits };
  }

  it('given a process that calls itself through FEEL, when started, then the call activity at the depth limit gets an incident and the step ends', async () => {
    const ctx = await selfCalling({ callActivityMaxDepth: 3 });

    const result = simulate(ctx, 'self', {
      start: { at: START, variables: { target: 'self' } },
      steps: [],
    });

    expect(result.state).toBe('incident');
    expect(result.incidents).toEqual([
      {
        elementId: 'Call',
        message:
          "call activity 'Call' would start process 'self' 4 calls deep; called processes nest at most 3 deep (the limit, CALL_ACTIVITY_MAX_DEPTH)",
      },
    ]);
    expect(trace(result).filter((line) => line === 'element.activated Call')).toHaveLength(4);
  });

  it('given no limit in the context, when a process calls itself, then the default depth of 10 stops it', async () => {
    const result = simulate(await selfCalling(), 'self', {
      start: { at: START, variables: { target: 'self' } },
      steps: [],
    });

    expect(result.incidents[0]?.message).toContain('nest at most 10 deep');
    expect(trace(result).filter((line) => line === 'element.activated Call')).toHaveLength(11);
  });
});

describe('activations in one step', () => {
  it('given a loop without a wait state, when started, then the step stops at the activation budget with an incident', async () => {
    const xml = processXml(
      [
        '<bpmn:startEvent id="s"/>',
        flow('f1', 's', 'Loop'),
        '<bpmn:exclusiveGateway id="Loop"/>',
        flow('f2', 'Loop', 'Again'),
        '<bpmn:task id="Again"/>',
        flow('f3', 'Again', 'Loop'),
      ].join('\n'),
    );
    const ctx: EngineContext = {
      processes: registryOf(await compileBpmn(xml)),
      stepMaxActivations: 50,
    };

    const result = simulate(ctx, 'p', { start: { at: START }, steps: [] });

    expect(result.state).toBe('incident');
    expect(result.incidents).toEqual([
      {
        elementId: 'Again',
        message:
          "one step activated more than 50 elements (the limit, STEP_MAX_ACTIVATIONS); 'Again' stops here (a loop without a wait state?)",
      },
    ]);
  });
});
