import { describe, expect, it } from '@jest/globals';
import { compileBpmn } from '@app/bpmn';
import { DEFAULT_FEEL_LIMITS } from '@app/feel';
import { type EngineContext, registryOf } from './context.js';
import type { InstanceState, Variables } from './state.js';
import { step } from './step.js';
import { at } from './testing/fixtures.js';

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">';

/** Start -> Review (user task, with `boundaries`) -> Done; each boundary -> its own end. */
async function reviewWith(boundaries: string, extra: Partial<EngineContext> = {}) {
  const xml =
    `${HEAD}<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="Start"/>` +
    '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Review"/><bpmn:userTask id="Review"/>' +
    '<bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="Done"/><bpmn:endEvent id="Done"/>' +
    `${boundaries}</bpmn:process></bpmn:definitions>`;
  return { processes: registryOf(await compileBpmn(xml)), ...extra };
}

function boundary(id: string, timer: string, interrupting = false): string {
  return (
    `<bpmn:boundaryEvent id="${id}" attachedToRef="Review" cancelActivity="${interrupting}">` +
    `<bpmn:timerEventDefinition>${timer}</bpmn:timerEventDefinition></bpmn:boundaryEvent>` +
    `<bpmn:sequenceFlow id="f_${id}" sourceRef="${id}" targetRef="End_${id}"/><bpmn:endEvent id="End_${id}"/>`
  );
}

const cycle = (text: string) =>
  `<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">${text}</bpmn:timeCycle>`;

function start(ctx: EngineContext, variables: Variables): InstanceState {
  return step(ctx, null, { type: 'start', processRef: 'p', variables }, at('2026-03-02T09:00:00'))
    .state;
}

const incidents = (state: InstanceState) =>
  Object.values(state.incidents).map((i) => `${i.elementId}: ${i.message}`);

describe('timer cycles computed by FEEL keep to the timer limits', () => {
  describe('given a non-interrupting boundary timer whose cycle is =reminder', () => {
    const remind = boundary('Remind', cycle('=reminder'));

    it.each([
      [
        'R/PT1S',
        'Review: timer \'Remind\': timeCycle "R/PT1S" repeats every PT1S, more often than the minimum timer interval PT1M',
      ],
      [
        'R1000000/PT0.001S',
        'Review: timer \'Remind\': timeCycle "R1000000/PT0.001S" repeats every PT0.001S, more often than the minimum timer interval PT1M',
      ],
      [
        'R5000/PT1H',
        'Review: timer \'Remind\': timeCycle "R5000/PT1H" repeats 5000 times, more than the maximum of 1000 repetitions',
      ],
      [
        'R/PT1H',
        'Review: timer \'Remind\': timeCycle "R/PT1H" repeats every PT1H without end while its activity may wait for ever; give it a count (R<n>/…, n <= 1000), an end date, or a period of at least P1D',
      ],
    ])(
      'when it evaluates to %s, then the task is an incident naming the limit',
      async (text, message) => {
        const state = start(await reviewWith(remind), { reminder: text });

        expect(incidents(state)).toEqual([message]);
        expect(Object.values(state.timers)).toEqual([]);
      },
    );

    it.each(['R3/PT1H', 'R/P1D', 'R/PT1H/2026-04-01T00:00:00+08:00'])(
      'when it evaluates to %s, then the reminder is scheduled',
      async (text) => {
        const state = start(await reviewWith(remind), { reminder: text });

        expect(incidents(state)).toEqual([]);
        expect(Object.values(state.timers).map((t) => t.elementId)).toEqual(['Remind']);
      },
    );

    it('when the task also has an interrupting deadline, then an open-ended hourly cycle is bounded by it', async () => {
      const deadline = boundary(
        'Deadline',
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P7D</bpmn:timeDuration>',
        true,
      );
      const state = start(await reviewWith(remind + deadline), { reminder: 'R/PT1H' });

      expect(incidents(state)).toEqual([]);
      expect(
        Object.values(state.timers)
          .map((t) => t.elementId)
          .sort(),
      ).toEqual(['Deadline', 'Remind']);
    });

    it('when the context has limits of its own, then those apply', async () => {
      const ctx = await reviewWith(remind, {
        timerLimits: { minInterval: 'PT1S', maxRepetitions: 10, minOpenInterval: 'PT1S' },
      });

      expect(incidents(start(ctx, { reminder: 'R/PT1S' }))).toEqual([]);
      expect(incidents(start(ctx, { reminder: 'R11/PT1S' }))).toEqual([
        'Review: timer \'Remind\': timeCycle "R11/PT1S" repeats 11 times, more than the maximum of 10 repetitions',
      ]);
    });
  });
});

describe('FEEL over its budget in the engine', () => {
  it('given an input mapping whose FEEL runs past the time budget, when the task is activated, then it is an incident on the task', async () => {
    const xml =
      `${HEAD.replace('id="Defs"', 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs"')}` +
      '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="Start"/>' +
      '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Review"/>' +
      '<bpmn:userTask id="Review"><bpmn:extensionElements><zeebe:ioMapping>' +
      '<zeebe:input source="=count(for i in 1..n return i)" target="total"/>' +
      '</zeebe:ioMapping></bpmn:extensionElements></bpmn:userTask>' +
      '<bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="Done"/><bpmn:endEvent id="Done"/>' +
      '</bpmn:process></bpmn:definitions>';
    const ctx: EngineContext = {
      processes: registryOf(await compileBpmn(xml)),
      feelLimits: { ...DEFAULT_FEEL_LIMITS, timeBudgetMs: 30 },
    };

    const state = start(ctx, { n: 100_000_000 });

    expect(incidents(state)).toEqual([
      'Review: FEEL expression "count(for i in 1..n return i)" ran longer than the time budget of 30 ms (the FEEL time limit)',
    ]);
    expect(Object.values(state.tasks)).toEqual([]);
  });

  it("given a loop without a wait state whose condition runs just under the time budget, when it loops, then the step ends at the step's FEEL time, not after thousands of rounds", async () => {
    // Start -> Again (pass-through) -> Loop? —(condition)→ Again, default → Done
    const xml =
      `${HEAD}<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="Start"/>` +
      '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Again"/><bpmn:task id="Again"/>' +
      '<bpmn:sequenceFlow id="f2" sourceRef="Again" targetRef="Loop"/>' +
      '<bpmn:exclusiveGateway id="Loop" default="f4"/>' +
      '<bpmn:sequenceFlow id="f3" sourceRef="Loop" targetRef="Again">' +
      '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=count(for i in 1..n return i) &gt; 0</bpmn:conditionExpression>' +
      '</bpmn:sequenceFlow>' +
      '<bpmn:sequenceFlow id="f4" sourceRef="Loop" targetRef="Done"/><bpmn:endEvent id="Done"/>' +
      '</bpmn:process></bpmn:definitions>';
    const ctx: EngineContext = {
      processes: registryOf(await compileBpmn(xml)),
      feelLimits: { ...DEFAULT_FEEL_LIMITS, timeBudgetMs: 1_000, stepBudgetMs: 150 },
      stepMaxActivations: 2_000,
    };

    const state = start(ctx, { n: 2_000 });

    expect(incidents(state)).toEqual([
      expect.stringMatching(
        /^Loop: condition of sequence flow 'f3' failed: FEEL expression "count\(for i in 1\.\.n return i\) > 0" (ran longer than the time budget of \d+ ms \(the rest of the step's FEEL time\)|was not evaluated: the step's FEEL time \(150 ms for all its timed expressions\) is spent)$/,
      ),
    ]);
  });
});
