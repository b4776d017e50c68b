import { describe, expect, it } from '@jest/globals';
import { DEFAULT_FEEL_LIMITS } from '@app/feel';
import { lintBpmn } from './index.js';
import { around, fixtureNames, fixtureText, flow, processXml, timer } from './testing/fixtures.js';

const lines = async (xml: string, options = {}) =>
  (await lintBpmn(xml, options)).problems.map(
    (p) => `${p.elementId} (${p.bpmnType}): ${p.message}`,
  );

/** A user task T with a non-interrupting boundary timer `Remind` of `cycle` (and `extra`). */
const remindEvery = (cycle: string, extra = '') =>
  around(
    '<bpmn:userTask id="T"/>',
    `<bpmn:boundaryEvent id="Remind" attachedToRef="T" cancelActivity="false">${timer('timeCycle', cycle)}</bpmn:boundaryEvent>` +
      flow('f3', 'Remind', 'Reminded') +
      '<bpmn:endEvent id="Reminded"/>' +
      extra,
  );

const deadline =
  `<bpmn:boundaryEvent id="Deadline" attachedToRef="T">${timer('timeDuration', 'P7D')}</bpmn:boundaryEvent>` +
  flow('f4', 'Deadline', 'Late') +
  '<bpmn:endEvent id="Late"/>';

describe('timer cycles at lint', () => {
  it.each([
    [
      'R/PT1S',
      'Remind (bpmn:BoundaryEvent): timeCycle "R/PT1S" repeats every PT1S, more often than the minimum timer interval PT1M',
    ],
    [
      'R1000000/PT0.001S',
      'Remind (bpmn:BoundaryEvent): timeCycle "R1000000/PT0.001S" repeats every PT0.001S, more often than the minimum timer interval PT1M',
    ],
    [
      'R1001/PT1H',
      'Remind (bpmn:BoundaryEvent): timeCycle "R1001/PT1H" repeats 1001 times, more than the maximum of 1000 repetitions',
    ],
    [
      'R/PT1H',
      'Remind (bpmn:BoundaryEvent): timeCycle "R/PT1H" repeats every PT1H without end while its activity may wait for ever; give it a count (R<n>/…, n <= 1000), an end date, or a period of at least P1D',
    ],
  ])(
    'given a reminder %s on a task, when linted, then the limit is named',
    async (cycle, message) => {
      expect(await lines(remindEvery(cycle))).toEqual([message]);
    },
  );

  it.each(['R3/PT1H', 'R1000/PT1M', 'R/P1D', 'R/P3M', 'R/PT1H/2027-01-01T00:00:00+08:00'])(
    'given a reminder %s on a task, when linted, then it is accepted',
    async (cycle) => {
      expect(await lines(remindEvery(cycle))).toEqual([]);
    },
  );

  it('given an open-ended hourly reminder on a task with a deadline, when linted, then it is accepted', async () => {
    expect(await lines(remindEvery('R/PT1H', deadline))).toEqual([]);
  });

  it('given an open-ended hourly reminder on a task in a sub-process with a deadline, when linted, then it is accepted', async () => {
    const xml = around(
      '<bpmn:subProcess id="T"><bpmn:startEvent id="S"/>' +
        flow('s1', 'S', 'Inner') +
        '<bpmn:userTask id="Inner"/>' +
        flow('s2', 'Inner', 'E') +
        '<bpmn:endEvent id="E"/>' +
        `<bpmn:boundaryEvent id="Remind" attachedToRef="Inner" cancelActivity="false">${timer('timeCycle', 'R/PT1H')}</bpmn:boundaryEvent>` +
        flow('s3', 'Remind', 'Reminded') +
        '<bpmn:endEvent id="Reminded"/></bpmn:subProcess>',
      deadline,
    );
    expect(await lines(xml)).toEqual([]);
    expect(await lines(xml.replace(deadline, ''))).toEqual([
      'Remind (bpmn:BoundaryEvent): timeCycle "R/PT1H" repeats every PT1H without end while its activity may wait for ever; give it a count (R<n>/…, n <= 1000), an end date, or a period of at least P1D',
    ]);
  });

  it('given a timer start event with an open-ended cycle, when linted, then only the interval counts', async () => {
    const start = (cycle: string) =>
      processXml(
        `<bpmn:startEvent id="Start">${timer('timeCycle', cycle)}</bpmn:startEvent>` +
          flow('f1', 'Start', 'End') +
          '<bpmn:endEvent id="End"/>',
      );
    expect(await lines(start('R/PT1H'))).toEqual([]);
    expect(await lines(start('R/PT10S'))).toEqual([
      'Start (bpmn:StartEvent): timeCycle "R/PT10S" repeats every PT10S, more often than the minimum timer interval PT1M',
    ]);
  });

  it('given limits of its own, when linted, then those apply', async () => {
    const timerLimits = { minInterval: 'PT1S', maxRepetitions: 5, minOpenInterval: 'PT1S' };
    expect(await lines(remindEvery('R/PT1S'), { timerLimits })).toEqual([]);
    expect(await lines(remindEvery('R6/PT1S'), { timerLimits })).toEqual([
      'Remind (bpmn:BoundaryEvent): timeCycle "R6/PT1S" repeats 6 times, more than the maximum of 5 repetitions',
    ]);
  });

  it('given a cycle from FEEL, when linted, then it is left to run time', async () => {
    expect(await lines(remindEvery('="R/PT1S"'))).toEqual([]);
  });
});

describe('FEEL limits at lint', () => {
  const condition = (expression: string) =>
    processXml(
      '<bpmn:startEvent id="Start"/>' +
        flow('f1', 'Start', 'G') +
        '<bpmn:exclusiveGateway id="G" default="f3"/>' +
        flow('f2', 'G', 'End', `=${expression}`) +
        flow('f3', 'G', 'End') +
        '<bpmn:endEvent id="End"/>',
    );

  it('given a condition counting a for over 1..100000000, when linted, then the iteration limit is named', async () => {
    expect(await lines(condition('count(for i in 1..100000000 return i) &gt; 0'))).toEqual([
      'f2 (bpmn:SequenceFlow): condition is not valid FEEL: its literal ranges make 100,000,000 iterations, more than the limit of 10,000',
    ]);
  });

  it('given a string join over 10 million items, when linted, then the iteration limit is named', async () => {
    expect(
      await lines(condition('string length(string join(for i in 1..10000000 return "x")) &gt; 0')),
    ).toEqual([
      'f2 (bpmn:SequenceFlow): condition is not valid FEEL: its literal ranges make 10,000,000 iterations, more than the limit of 10,000',
    ]);
  });

  it('given an expression longer than the limit, when linted with a small limit, then the length is named', async () => {
    const feelLimits = { ...DEFAULT_FEEL_LIMITS, maxExpressionLength: 10 };
    expect(await lines(condition('approved = true'), { feelLimits })).toEqual([
      'f2 (bpmn:SequenceFlow): condition is not valid FEEL: the expression is 15 characters long, more than the limit of 10',
    ]);
  });
});

describe('the shipped templates', () => {
  it.each(fixtureNames('../../process-templates'))(
    '%s keeps to the default limits',
    async (name) => {
      expect(await lines(fixtureText(`../../process-templates/${name}`))).toEqual([]);
    },
  );
});
