import { describe, expect, it } from '@jest/globals';
import type { Command } from './commands.js';
import { EngineException, EngineExceptionCode } from './errors.js';
import type { InstanceState } from './state.js';
import { step } from './step.js';
import { Driver, at, deepFreeze, effectTrace, fixture, iso } from './testing/fixtures.js';

function refusal(action: () => unknown): { code: EngineExceptionCode; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof EngineException) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the command to be refused');
}

describe('step', () => {
  describe('start', () => {
    it('given an unknown process ref, when started, then it is refused with PROCESS_NOT_FOUND', async () => {
      const ctx = await fixture('start-end');

      expect(refusal(() => step(ctx, null, { type: 'start', processRef: 'nope' }, 0))).toEqual({
        code: EngineExceptionCode.PROCESS_NOT_FOUND,
        message: "process 'nope' is not deployed",
      });
    });

    it('given a start event id that is not a start event, when started, then it is refused with INVALID_START', async () => {
      const ctx = await fixture('start-end');
      const command: Command = { type: 'start', processRef: 'start-end', startEventId: 'Work' };

      expect(refusal(() => step(ctx, null, command, 0)).code).toBe(
        EngineExceptionCode.INVALID_START,
      );
    });

    it('given a command other than start and no state, when stepped, then it is refused with INSTANCE_NOT_ACTIVE', async () => {
      const ctx = await fixture('start-end');

      expect(refusal(() => step(ctx, null, { type: 'cancel' }, 0)).code).toBe(
        EngineExceptionCode.INSTANCE_NOT_ACTIVE,
      );
    });

    it('given the same inputs, when stepped twice, then the results are equal (deterministic)', async () => {
      const one = await Driver.start('boundary-sub');
      const two = await Driver.start('boundary-sub');
      one.fire('Deadline');
      two.fire('Deadline');

      expect(two.state).toEqual(one.state);
      expect(two.effects).toEqual(one.effects);
    });
  });

  describe('cancel', () => {
    it('given an instance with parallel branches and a sub-process, when cancelled, then every element is terminated innermost first, then the instance', async () => {
      const driver = await Driver.start('terminate-end');
      driver.send({ type: 'cancel' });

      expect(effectTrace(driver.effects)).toEqual([
        'task.cancelled A',
        'element.terminated A',
        'task.cancelled B',
        'element.terminated B',
        'task.cancelled C',
        'timer.cancelled Remind',
        'element.terminated C',
        'element.terminated Sub',
        'instance.terminated terminate-end',
      ]);
      expect(driver.state).toMatchObject({
        status: 'terminated',
        endedAt: driver.now,
        elements: {},
        tasks: {},
        timers: {},
        incidents: {},
      });
    });

    it('given an instance with an incident, when cancelled, then the incident is resolved with it', async () => {
      const driver = await Driver.start('exclusive-no-default', { variables: { score: 1 } });
      driver.send({ type: 'cancel' });

      expect(effectTrace(driver.effects)).toEqual([
        'incident.resolved Decide',
        'element.terminated Decide',
        'instance.terminated exclusive-no-default',
      ]);
      expect(driver.state.incidents).toEqual({});
    });

    it('given a cancelled instance, when any command but fireTimer is sent, then it is refused with INSTANCE_NOT_ACTIVE', async () => {
      const driver = await Driver.start('start-end');
      const task = driver.task('Work');
      driver.send({ type: 'cancel' });

      expect(refusal(() => driver.send({ type: 'completeTask', taskKey: task.key }))).toEqual({
        code: EngineExceptionCode.INSTANCE_NOT_ACTIVE,
        message: 'the instance has been terminated',
      });
      expect(refusal(() => driver.send({ type: 'cancel' })).code).toBe(
        EngineExceptionCode.INSTANCE_NOT_ACTIVE,
      );
    });
  });

  describe('completeTask', () => {
    it('given a task completed once, when it is completed again, then it is refused with TASK_NOT_FOUND', async () => {
      const driver = await Driver.start('parallel-gateway');
      const task = driver.task('A');
      driver.send({ type: 'completeTask', taskKey: task.key });

      expect(refusal(() => driver.send({ type: 'completeTask', taskKey: task.key }))).toEqual({
        code: EngineExceptionCode.TASK_NOT_FOUND,
        message: `there is no open task '${task.key}' (it was completed, cancelled, or never existed)`,
      });
    });

    it('given a completed instance, when a command is sent, then it is refused with INSTANCE_NOT_ACTIVE', async () => {
      const driver = await Driver.start('start-end');
      const task = driver.task('Work');
      driver.complete('Work');
      expect(driver.state.status).toBe('completed');

      for (const command of [
        { type: 'completeTask', taskKey: task.key },
        { type: 'cancel' },
        { type: 'setVariables', variables: { a: 1 } },
        { type: 'resolveIncident', incidentKey: '1' },
      ] satisfies Command[]) {
        expect(refusal(() => driver.send(command))).toEqual({
          code: EngineExceptionCode.INSTANCE_NOT_ACTIVE,
          message: 'the instance has completed',
        });
      }
    });
  });

  describe('fireTimer', () => {
    it('given a timer that has fired, when it is fired again, then the same state comes back with no effects', async () => {
      const driver = await Driver.start('timer-duration');
      const timer = driver.timer('Wait');
      driver.now = timer.dueAt;
      const first = driver.send({ type: 'fireTimer', timerKey: timer.key });
      expect(first.effects.length).toBeGreaterThan(0);

      const second = step(
        driver.ctx,
        first.state,
        { type: 'fireTimer', timerKey: timer.key },
        timer.dueAt,
      );

      expect(second.state).toBe(first.state);
      expect(second.effects).toEqual([]);
    });

    it('given a timer cancelled with its task, when it is fired late, then nothing happens', async () => {
      const driver = await Driver.start('boundary-interrupting');
      const timer = driver.timer('Escalate');
      driver.complete('Review');

      const result = step(
        driver.ctx,
        driver.state,
        { type: 'fireTimer', timerKey: timer.key },
        timer.dueAt,
      );

      expect(result.state).toBe(driver.state);
      expect(result.effects).toEqual([]);
    });
  });

  describe('resolveIncident and setVariables', () => {
    it('given no such incident, when resolved, then it is refused with INCIDENT_NOT_FOUND', async () => {
      const driver = await Driver.start('start-end');

      expect(refusal(() => driver.send({ type: 'resolveIncident', incidentKey: '99' })).code).toBe(
        EngineExceptionCode.INCIDENT_NOT_FOUND,
      );
    });

    it('given variables without a scope, when set, then they land on the process scope', async () => {
      const driver = await Driver.start('start-end', { variables: { a: 1 } });
      driver.send({ type: 'setVariables', variables: { b: [1, { c: null }] } });

      expect(driver.variables).toEqual({ a: 1, b: [1, { c: null }] });
      expect(driver.effects).toEqual([
        {
          type: 'variables.set',
          scopeKey: driver.state.rootKey,
          variables: { b: [1, { c: null }] },
        },
      ]);
    });

    it('given an unknown scope, when variables are set, then it is refused with SCOPE_NOT_FOUND', async () => {
      const driver = await Driver.start('start-end');

      expect(
        refusal(() => driver.send({ type: 'setVariables', scopeKey: '999', variables: {} })).code,
      ).toBe(EngineExceptionCode.SCOPE_NOT_FOUND);
    });
  });

  describe('variables that are not JSON', () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const bad: [string, unknown, string][] = [
      ['NaN', { n: Number.NaN }, "variable 'n' is not a finite number"],
      ['undefined', { u: undefined }, "variable 'u' is a undefined, not JSON"],
      ['a function', { f: () => 1 }, "variable 'f' is a function, not JSON"],
      [
        'a nested class instance',
        { a: [{ m: new Money(1) }] },
        "variable 'a[0].m' is a object, not JSON",
      ],
      ['a Map', new Map([['a', 1]]), 'variables must be a plain object'],
      ['a list', [1], 'variables must be a plain object'],
    ];

    it.each(bad)(
      'given %s, when an instance is started with it, then it is refused with INVALID_VARIABLES naming the variable',
      async (_what, variables, message) => {
        const ctx = await fixture('start-end');
        const command = { type: 'start', processRef: 'start-end', variables } as Command;

        expect(refusal(() => step(ctx, null, command, 0))).toEqual({
          code: EngineExceptionCode.INVALID_VARIABLES,
          message,
        });
      },
    );

    it('given a bad completion variable, when a task is completed, then it is refused and the task stays open', async () => {
      const driver = await Driver.start('start-end');
      const before = driver.state;
      const task = driver.task('Work');

      expect(
        refusal(() =>
          driver.send({
            type: 'completeTask',
            taskKey: task.key,
            variables: { x: Number.POSITIVE_INFINITY },
          }),
        ).code,
      ).toBe(EngineExceptionCode.INVALID_VARIABLES);
      expect(driver.state).toBe(before);
      expect(driver.task('Work')).toEqual(task);
    });
  });

  describe('the input state', () => {
    it('given a deep-frozen state, when every kind of command is stepped on it, then nothing is mutated', async () => {
      const driver = await Driver.start('boundary-sub', { variables: { list: [1, { a: 2 }] } });
      const frozen = deepFreeze(driver.state);
      const copy = JSON.parse(JSON.stringify(frozen)) as InstanceState;
      const now = at('2026-03-02T09:30:00+08:00');
      const fill = Object.values(frozen.tasks)[0];
      const nag = Object.values(frozen.timers).find((t) => t.elementId === 'Nag');
      const deadline = Object.values(frozen.timers).find((t) => t.elementId === 'Deadline');
      const sub = Object.values(frozen.elements).find((e) => e.elementId === 'Sub');

      const commands: Command[] = [
        { type: 'completeTask', taskKey: fill?.key ?? '', variables: { list: [3] } },
        { type: 'fireTimer', timerKey: nag?.key ?? '' },
        { type: 'fireTimer', timerKey: deadline?.key ?? '' },
        { type: 'setVariables', variables: { list: [] } },
        { type: 'setVariables', scopeKey: sub?.key ?? '', variables: { local: 1 } },
        { type: 'cancel' },
      ];
      for (const command of commands) {
        expect(() => step(driver.ctx, frozen, command, now)).not.toThrow();
      }
      expect(JSON.parse(JSON.stringify(frozen))).toEqual(copy);
    });

    it('given a deep-frozen state with an incident and joins, when stepped on, then nothing is mutated', async () => {
      const incident = await Driver.start('exclusive-no-default');
      const frozen = deepFreeze(incident.state);
      const key = Object.keys(frozen.incidents)[0] ?? '';
      expect(() =>
        step(
          incident.ctx,
          frozen,
          { type: 'resolveIncident', incidentKey: key, variables: { score: 99 } },
          0,
        ),
      ).not.toThrow();

      const joins = await Driver.start('parallel-gateway');
      joins.complete('A');
      const frozenJoins = deepFreeze(joins.state);
      const b = Object.values(frozenJoins.tasks).find((t) => t.elementId === 'B');
      const c = Object.values(frozenJoins.tasks).find((t) => t.elementId === 'C');
      const next = step(joins.ctx, frozenJoins, { type: 'completeTask', taskKey: b?.key ?? '' }, 0);
      expect(() =>
        step(joins.ctx, deepFreeze(next.state), { type: 'completeTask', taskKey: c?.key ?? '' }, 0),
      ).not.toThrow();
      expect(frozenJoins.joins).toEqual({ [frozenJoins.rootKey]: { Join: { fa2: 1 } } });
    });

    it('given a deep-frozen multi-instance state, when inner instances complete, then nothing is mutated', async () => {
      const driver = await Driver.start('mi-threshold', {
        variables: { members: ['a', 'b'], limit: 5 },
      });
      const frozen = deepFreeze(driver.state);
      const first = Object.values(frozen.tasks)[0];
      const next = step(
        driver.ctx,
        frozen,
        { type: 'completeTask', taskKey: first?.key ?? '', variables: { score: 1 } },
        0,
      );
      const second = Object.values(next.state.tasks)[0];

      expect(() =>
        step(
          driver.ctx,
          deepFreeze(next.state),
          { type: 'completeTask', taskKey: second?.key ?? '', variables: { score: 9 } },
          0,
        ),
      ).not.toThrow();
    });
  });

  describe('calendar arithmetic', () => {
    it('given no time zone in the context, when P1M is added to January 31, then it lands on February 28 in Asia/Shanghai', async () => {
      const driver = await Driver.start('timer-month', { at: '2026-01-31T09:00:00+08:00' });

      expect(iso(driver.timer('Wait').dueAt)).toBe('2026-02-28T09:00:00+08:00');
    });

    it('given a context time zone, when a month is added, then the wall clock of that zone is used', async () => {
      const ctx = { ...(await fixture('timer-month')), timeZone: 'UTC' };
      const now = at('2026-03-31T01:00:00+08:00');
      const shanghai = step(
        await fixture('timer-month'),
        null,
        { type: 'start', processRef: 'timer-month' },
        now,
      );
      const utc = step(ctx, null, { type: 'start', processRef: 'timer-month' }, now);

      const due = (state: InstanceState) => iso(Object.values(state.timers)[0]?.dueAt ?? 0);
      expect(due(shanghai.state)).toBe('2026-04-30T01:00:00+08:00');
      expect(due(utc.state)).toBe('2026-05-01T01:00:00+08:00');
    });
  });

  describe('stored state', () => {
    it('given a state of another schema version, when stepped on, then it is refused with UNSUPPORTED_STATE', async () => {
      const driver = await Driver.start('start-end');
      const old = { ...driver.state, schemaVersion: 0 } as unknown as InstanceState;

      expect(refusal(() => step(driver.ctx, old, { type: 'cancel' }, 0)).code).toBe(
        EngineExceptionCode.UNSUPPORTED_STATE,
      );
    });

    it('given a state that went through JSON, when stepped on, then it behaves the same', async () => {
      const driver = await Driver.start('parallel-gateway');
      const stored = JSON.parse(JSON.stringify(driver.state)) as InstanceState;
      const key = driver.task('A').key;

      expect(step(driver.ctx, stored, { type: 'completeTask', taskKey: key }, 0)).toEqual(
        step(driver.ctx, driver.state, { type: 'completeTask', taskKey: key }, 0),
      );
    });
  });
});
