import { describe, expect, it } from '@jest/globals';
import { BpmnValidationError, compileBpmn, lintBpmn } from './index.js';
import { around, flow, lint, lintFixture, processXml, timer } from './testing/fixtures.js';

const SUPPORTED =
  '(supported: StartEvent, EndEvent, IntermediateThrowEvent, IntermediateCatchEvent, ' +
  'BoundaryEvent, UserTask, ServiceTask, Task, ManualTask, SubProcess, CallActivity, ' +
  'ExclusiveGateway, ParallelGateway, InclusiveGateway)';

const START = '<bpmn:startEvent id="Start"/>';
const END = '<bpmn:endEvent id="End"/>';
const lines = (...parts: string[]) => parts.join('\n');

/** [given, document, the problems it must report (and nothing else)]. */
type Case = readonly [string, string, readonly string[]];

function check(cases: readonly Case[]) {
  it.each(cases)(
    'given %s, when linted, then it reports exactly that',
    async (_, xml, expected) => {
      const { problems, definitions } = await lintBpmn(xml);

      expect(problems.map((p) => `${p.elementId} (${p.bpmnType}): ${p.message}`)).toEqual(expected);
      expect(definitions).toBeNull();
    },
  );
}

describe('unsupported elements are refused, naming id, type and what is supported', () => {
  check([
    [
      'a script task',
      around('<bpmn:scriptTask id="T"/>'),
      [`T (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`],
    ],
    [
      'a send task',
      around('<bpmn:sendTask id="T"/>'),
      [`T (bpmn:SendTask): bpmn:SendTask is not supported ${SUPPORTED}`],
    ],
    [
      'a receive task',
      around('<bpmn:receiveTask id="T"/>'),
      [`T (bpmn:ReceiveTask): bpmn:ReceiveTask is not supported ${SUPPORTED}`],
    ],
    [
      'a business rule task',
      around('<bpmn:businessRuleTask id="T"/>'),
      [`T (bpmn:BusinessRuleTask): bpmn:BusinessRuleTask is not supported ${SUPPORTED}`],
    ],
    [
      'an event-based gateway',
      around('<bpmn:eventBasedGateway id="T"/>'),
      [`T (bpmn:EventBasedGateway): bpmn:EventBasedGateway is not supported ${SUPPORTED}`],
    ],
    [
      'a complex gateway',
      around('<bpmn:complexGateway id="T"/>'),
      [`T (bpmn:ComplexGateway): bpmn:ComplexGateway is not supported ${SUPPORTED}`],
    ],
    [
      'a transaction',
      around('<bpmn:transaction id="T"/>'),
      [`T (bpmn:Transaction): bpmn:Transaction is not supported ${SUPPORTED}`],
    ],
    [
      'a message start event',
      processXml(
        lines(
          '<bpmn:startEvent id="Start"><bpmn:messageEventDefinition/></bpmn:startEvent>',
          flow('f1', 'Start', 'End'),
          END,
        ),
      ),
      [
        'Start (bpmn:StartEvent): bpmn:MessageEventDefinition on a start event is not supported (supported: none start event, bpmn:TimerEventDefinition)',
      ],
    ],
    [
      'a message intermediate catch event',
      around(
        '<bpmn:intermediateCatchEvent id="T"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>',
      ),
      [
        'T (bpmn:IntermediateCatchEvent): bpmn:MessageEventDefinition on an intermediate catch event is not supported (supported: bpmn:TimerEventDefinition)',
      ],
    ],
    [
      'a signal intermediate throw event',
      around(
        '<bpmn:intermediateThrowEvent id="T"><bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>',
      ),
      [
        'T (bpmn:IntermediateThrowEvent): bpmn:SignalEventDefinition on an intermediate throw event is not supported (supported: none intermediate throw event)',
      ],
    ],
    [
      'an error end event',
      processXml(
        lines(
          START,
          flow('f1', 'Start', 'End'),
          '<bpmn:endEvent id="End"><bpmn:errorEventDefinition/></bpmn:endEvent>',
        ),
      ),
      [
        'End (bpmn:EndEvent): bpmn:ErrorEventDefinition on an end event is not supported (supported: none end event, bpmn:TerminateEventDefinition)',
      ],
    ],
    [
      'an escalation end event',
      processXml(
        lines(
          START,
          flow('f1', 'Start', 'End'),
          '<bpmn:endEvent id="End"><bpmn:escalationEventDefinition/></bpmn:endEvent>',
        ),
      ),
      [
        'End (bpmn:EndEvent): bpmn:EscalationEventDefinition on an end event is not supported (supported: none end event, bpmn:TerminateEventDefinition)',
      ],
    ],
    [
      'an error boundary event',
      around(
        '<bpmn:task id="T"/>',
        lines(
          '<bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>',
          flow('fb', 'B', 'End'),
        ),
      ),
      [
        'B (bpmn:BoundaryEvent): bpmn:ErrorEventDefinition on a boundary event is not supported (supported: bpmn:TimerEventDefinition)',
      ],
    ],
    [
      'an event with two event definitions',
      around(
        `<bpmn:intermediateCatchEvent id="T">${timer('timeDuration', 'P1D')}${timer('timeDuration', 'P2D')}</bpmn:intermediateCatchEvent>`,
      ),
      [
        'T (bpmn:IntermediateCatchEvent): intermediate catch event with several event definitions is not supported',
      ],
    ],
    [
      'an event sub-process',
      around(
        '<bpmn:task id="T"/>',
        lines(
          '<bpmn:subProcess id="Events" triggeredByEvent="true">',
          `<bpmn:startEvent id="EventStart">${timer('timeDuration', 'PT1H')}</bpmn:startEvent>`,
          flow('e1', 'EventStart', 'EventEnd'),
          '<bpmn:endEvent id="EventEnd"/>',
          '</bpmn:subProcess>',
        ),
      ),
      [
        'Events (bpmn:SubProcess): event sub-processes are not supported (supported: embedded SubProcess)',
      ],
    ],
    [
      'a standard loop',
      around('<bpmn:task id="T"><bpmn:standardLoopCharacteristics/></bpmn:task>'),
      [
        'T (bpmn:Task): bpmn:StandardLoopCharacteristics is not supported (use multi-instance with zeebe:loopCharacteristics)',
      ],
    ],
  ]);

  it('given data objects, a data store, lanes, a text annotation, an association and a group, when linted, then they are ignored', async () => {
    const xml = processXml(
      lines(
        '<bpmn:laneSet id="Lanes"><bpmn:lane id="Lane"><bpmn:flowNodeRef>T</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>',
        START,
        flow('f1', 'Start', 'T'),
        '<bpmn:task id="T"/>',
        flow('f2', 'T', 'End'),
        END,
        '<bpmn:dataObject id="Data"/>',
        '<bpmn:dataObjectReference id="DataRef" dataObjectRef="Data"/>',
        '<bpmn:dataStoreReference id="StoreRef"/>',
        '<bpmn:textAnnotation id="Note"><bpmn:text>why</bpmn:text></bpmn:textAnnotation>',
        '<bpmn:association id="Assoc" sourceRef="T" targetRef="Note"/>',
        '<bpmn:group id="Group"/>',
      ),
    );

    expect(await lint(xml)).toEqual([]);
  });
});

describe('sequence flows', () => {
  check([
    [
      'a sequence flow to an id that does not exist',
      processXml(lines(START, flow('f1', 'Start', 'Nowhere'))),
      ["f1 (bpmn:SequenceFlow): targetRef 'Nowhere' does not exist in this document"],
    ],
    [
      'a sequence flow without a targetRef',
      processXml(lines(START, '<bpmn:sequenceFlow id="f1" sourceRef="Start"/>')),
      ['f1 (bpmn:SequenceFlow): sequence flow has no target (sequence flow to nowhere)'],
    ],
    [
      'a sequence flow without a sourceRef',
      processXml(lines(START, '<bpmn:sequenceFlow id="f1" targetRef="End"/>', END)),
      ['f1 (bpmn:SequenceFlow): sequence flow has no source (sequence flow to nowhere)'],
    ],
    [
      'a sequence flow with an unknown attribute and no targetRef',
      processXml(lines(START, '<bpmn:sequenceFlow id="f1" sourceRef="Start" target="End"/>', END)),
      [
        "f1 (bpmn:SequenceFlow): unknown attribute 'target' (not part of BPMN 2.0 or the zeebe extensions)",
        'f1 (bpmn:SequenceFlow): sequence flow has no target (sequence flow to nowhere)',
        'End (bpmn:EndEvent): has no incoming sequence flow, so it can never be reached',
      ],
    ],
    [
      'a sequence flow out of a sub-process',
      around(
        lines(
          '<bpmn:subProcess id="T">',
          '<bpmn:startEvent id="Inner"/>',
          flow('out', 'Inner', 'End'),
          '</bpmn:subProcess>',
        ),
      ),
      [
        "out (bpmn:SequenceFlow): sequence flow from 'Inner' to 'End' crosses a sub-process boundary",
      ],
    ],
    [
      'a condition on a flow leaving a task',
      around('<bpmn:task id="T"/>').replace(flow('f2', 'T', 'End'), flow('f2', 'T', 'End', '=ok')),
      [
        "f2 (bpmn:SequenceFlow): a condition on a flow leaving bpmn:Task 'T' is not supported (only exclusive and inclusive gateways evaluate conditions)",
      ],
    ],
    [
      'a condition on a flow leaving a parallel gateway (reported once)',
      around('<bpmn:parallelGateway id="T"/>').replace(
        flow('f2', 'T', 'End'),
        flow('f2', 'T', 'End', '=ok'),
      ),
      [
        "f2 (bpmn:SequenceFlow): a condition on a flow leaving bpmn:ParallelGateway 'T' is not supported (only exclusive and inclusive gateways evaluate conditions)",
      ],
    ],
  ]);
});

describe('gateways', () => {
  const gateway = (kind: string, attributes = '') =>
    lines(
      START,
      flow('f1', 'Start', 'G'),
      `<bpmn:${kind} id="G"${attributes}/>`,
      flow('yes', 'G', 'A', '=ok'),
      flow('no', 'G', 'B'),
      '<bpmn:endEvent id="A"/>',
      '<bpmn:endEvent id="B"/>',
    );

  check([
    [
      'an exclusive gateway without outgoing flows',
      processXml(lines(START, flow('f1', 'Start', 'G'), '<bpmn:exclusiveGateway id="G"/>')),
      ['G (bpmn:ExclusiveGateway): gateway has no outgoing sequence flow'],
    ],
    [
      'a parallel gateway without outgoing flows',
      processXml(lines(START, flow('f1', 'Start', 'G'), '<bpmn:parallelGateway id="G"/>')),
      ['G (bpmn:ParallelGateway): gateway has no outgoing sequence flow'],
    ],
    [
      'an inclusive gateway without outgoing flows',
      processXml(lines(START, flow('f1', 'Start', 'G'), '<bpmn:inclusiveGateway id="G"/>')),
      ['G (bpmn:InclusiveGateway): gateway has no outgoing sequence flow'],
    ],
    [
      'an exclusive gateway with a branch that has neither a condition nor is the default',
      processXml(gateway('exclusiveGateway')),
      [
        "no (bpmn:SequenceFlow): sequence flow leaving bpmn:ExclusiveGateway 'G' needs a condition or must be the gateway's default flow",
      ],
    ],
    [
      'an inclusive gateway with a branch that has neither a condition nor is the default',
      processXml(gateway('inclusiveGateway')),
      [
        "no (bpmn:SequenceFlow): sequence flow leaving bpmn:InclusiveGateway 'G' needs a condition or must be the gateway's default flow",
      ],
    ],
    [
      'a default flow that does not leave the gateway',
      processXml(gateway('exclusiveGateway', ' default="f1"')),
      [
        "G (bpmn:ExclusiveGateway): default flow 'f1' is not an outgoing flow of this gateway",
        "no (bpmn:SequenceFlow): sequence flow leaving bpmn:ExclusiveGateway 'G' needs a condition or must be the gateway's default flow",
      ],
    ],
    [
      'a default flow id that does not exist',
      processXml(gateway('exclusiveGateway', ' default="nope"')),
      [
        "G (bpmn:ExclusiveGateway): default 'nope' does not exist in this document",
        "no (bpmn:SequenceFlow): sequence flow leaving bpmn:ExclusiveGateway 'G' needs a condition or must be the gateway's default flow",
      ],
    ],
    [
      'a condition that is not valid FEEL',
      processXml(gateway('exclusiveGateway', ' default="no"').replace('=ok', '=score &gt;=')),
      ['yes (bpmn:SequenceFlow): condition is not valid FEEL: Incomplete <Comparison> at 8'],
    ],
    [
      'a condition that is not valid FEEL, on a flow into a refused element (no cascade)',
      processXml(
        gateway('exclusiveGateway', ' default="no"')
          .replace('=ok', '=score &gt;=')
          .replace('<bpmn:endEvent id="A"/>', '<bpmn:scriptTask id="A"/>'),
      ),
      [
        `A (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`,
        'yes (bpmn:SequenceFlow): condition is not valid FEEL: Incomplete <Comparison> at 8',
      ],
    ],
  ]);
});

describe('events', () => {
  check([
    [
      'no start event',
      processXml(lines('<bpmn:task id="T"/>')),
      [
        'T (bpmn:Task): has no incoming sequence flow, so it can never be reached',
        'p (bpmn:Process): the process has no start event',
      ],
    ],
    [
      'only a refused start event (reported once)',
      processXml(
        lines(
          '<bpmn:startEvent id="Start"><bpmn:signalEventDefinition/></bpmn:startEvent>',
          flow('f1', 'Start', 'End'),
          END,
        ),
      ),
      [
        'Start (bpmn:StartEvent): bpmn:SignalEventDefinition on a start event is not supported (supported: none start event, bpmn:TimerEventDefinition)',
      ],
    ],
    [
      'two none start events',
      processXml(
        lines(
          START,
          '<bpmn:startEvent id="Start2"/>',
          flow('f1', 'Start', 'End'),
          flow('f2', 'Start2', 'End'),
          END,
        ),
      ),
      ['Start2 (bpmn:StartEvent): a process may have only one none start event'],
    ],
    [
      'a start event with an incoming flow',
      around('<bpmn:task id="T"/>').replace(flow('f2', 'T', 'End'), flow('f2', 'T', 'Start')),
      [
        'Start (bpmn:StartEvent): a start event must not have incoming sequence flows',
        'End (bpmn:EndEvent): has no incoming sequence flow, so it can never be reached',
      ],
    ],
    [
      'an end event with an outgoing flow',
      processXml(
        lines(
          START,
          flow('f1', 'Start', 'End'),
          END,
          flow('f2', 'End', 'T'),
          '<bpmn:task id="T"/>',
        ),
      ),
      ['End (bpmn:EndEvent): an end event must not have outgoing sequence flows'],
    ],
    [
      'an element nothing leads to',
      around('<bpmn:task id="T"/>', '<bpmn:task id="Lost"/>'),
      ['Lost (bpmn:Task): has no incoming sequence flow, so it can never be reached'],
    ],
    [
      'an element without an id',
      around('<bpmn:task id="T"/>', '<bpmn:task name="anonymous"/>'),
      ["- (bpmn:Task): element 'anonymous' in 'p' has no id"],
    ],
    [
      'an intermediate catch event without a definition',
      around('<bpmn:intermediateCatchEvent id="T"/>'),
      ['T (bpmn:IntermediateCatchEvent): intermediate catch event needs a timer event definition'],
    ],
    [
      'an intermediate timer catch event with a cycle',
      around(
        `<bpmn:intermediateCatchEvent id="T">${timer('timeCycle', 'R/P1D')}</bpmn:intermediateCatchEvent>`,
      ),
      [
        'T (bpmn:IntermediateCatchEvent): an intermediate timer catch event takes timeDate or timeDuration, not timeCycle',
      ],
    ],
  ]);
});

describe('timers', () => {
  const catchEvent = (definition: string) =>
    around(`<bpmn:intermediateCatchEvent id="T">${definition}</bpmn:intermediateCatchEvent>`);

  check([
    [
      'a timeDuration that is not ISO-8601',
      catchEvent(timer('timeDuration', '3 days')),
      [
        'T (bpmn:IntermediateCatchEvent): timeDuration "3 days" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)',
      ],
    ],
    [
      'a timeDate that is not ISO-8601',
      catchEvent(timer('timeDate', 'next Monday')),
      [
        'T (bpmn:IntermediateCatchEvent): timeDate "next Monday" is not an ISO-8601 date-time (expected e.g. 2026-12-01T09:00:00+08:00, 2026-12-01T09:00:00Z, 2026-12-01T09:00:00, 2026-12-01, 2026-12-01T09:00:00@Asia/Shanghai)',
      ],
    ],
    [
      'a timer expression that is not valid FEEL',
      catchEvent(timer('timeDuration', '=duration(')),
      [
        'T (bpmn:IntermediateCatchEvent): timer timeDuration is not valid FEEL: Incomplete <DateTimeLiteral> at 9',
      ],
    ],
    [
      'an empty timer expression',
      catchEvent(timer('timeDuration', ' ')),
      ['T (bpmn:IntermediateCatchEvent): timer timeDuration is empty'],
    ],
    [
      'a timer event definition without a time',
      catchEvent('<bpmn:timerEventDefinition/>'),
      ['T (bpmn:IntermediateCatchEvent): timer event has no timeDate, timeDuration or timeCycle'],
    ],
    [
      'a timer event definition with two times',
      catchEvent(
        '<bpmn:timerEventDefinition><bpmn:timeDate>2026-01-01T00:00:00Z</bpmn:timeDate><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>',
      ),
      ['T (bpmn:IntermediateCatchEvent): timer event has more than one of timeDate, timeDuration'],
    ],
    [
      'a timer start event whose cycle is not ISO-8601',
      processXml(
        lines(
          `<bpmn:startEvent id="Start">${timer('timeCycle', 'every month')}</bpmn:startEvent>`,
          flow('f1', 'Start', 'End'),
          END,
        ),
      ),
      [
        'Start (bpmn:StartEvent): timeCycle "every month" is not an ISO-8601 repeating interval: it must start with "R" or "R<count>" (expected e.g. R3/PT10M, R/P1D, R5/2026-01-01T09:00:00+08:00/P1D, R5/P1D/2026-02-01)',
      ],
    ],
  ]);
});

describe('boundary events', () => {
  const boundary = (attributes: string, definition: string, outgoing = true) =>
    around(
      '<bpmn:userTask id="T"/>',
      lines(
        `<bpmn:boundaryEvent id="B"${attributes}>${definition}</bpmn:boundaryEvent>`,
        outgoing ? flow('fb', 'B', 'Late') : '',
        '<bpmn:endEvent id="Late"/>',
      ),
    );

  check([
    [
      'a boundary event without a timer',
      boundary(' attachedToRef="T"', ''),
      ['B (bpmn:BoundaryEvent): boundary event needs a timer event definition'],
    ],
    [
      'a boundary event attached to nothing',
      boundary('', timer('timeDuration', 'P1D')),
      ['B (bpmn:BoundaryEvent): boundary event is not attached to an activity (attachedToRef)'],
    ],
    [
      'a boundary event attached to an id that does not exist (reported once)',
      boundary(' attachedToRef="Nope"', timer('timeDuration', 'P1D')),
      ["B (bpmn:BoundaryEvent): attachedToRef 'Nope' does not exist in this document"],
    ],
    [
      'a boundary event attached to a start event',
      boundary(' attachedToRef="Start"', timer('timeDuration', 'P1D')),
      ["B (bpmn:BoundaryEvent): is attached to 'Start', which is not an activity"],
    ],
    [
      'a boundary event attached to a refused task (reported once)',
      boundary(' attachedToRef="T"', timer('timeDuration', 'P1D')).replace(
        '<bpmn:userTask id="T"/>',
        '<bpmn:scriptTask id="T"/>',
      ),
      [`T (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`],
    ],
    [
      'a boundary event without an outgoing flow',
      boundary(' attachedToRef="T"', timer('timeDuration', 'P1D'), false),
      [
        'B (bpmn:BoundaryEvent): a boundary event needs an outgoing sequence flow',
        'Late (bpmn:EndEvent): has no incoming sequence flow, so it can never be reached',
      ],
    ],
    [
      'an interrupting boundary timer with a cycle',
      boundary(' attachedToRef="T"', timer('timeCycle', 'R3/P1D')),
      [
        'B (bpmn:BoundaryEvent): an interrupting timer boundary event takes timeDate or timeDuration, not timeCycle (a cycle needs cancelActivity="false")',
      ],
    ],
  ]);
});

describe('tasks and activities', () => {
  check([
    [
      'a service task without zeebe:taskDefinition',
      around('<bpmn:serviceTask id="T"/>'),
      ['T (bpmn:ServiceTask): service task has no zeebe:taskDefinition type (the handler to run)'],
    ],
    [
      'a service task with FEEL that does not parse',
      around(
        '<bpmn:serviceTask id="T"><bpmn:extensionElements><zeebe:taskDefinition type="=kind +" retries="=)"/></bpmn:extensionElements></bpmn:serviceTask>',
      ),
      [
        'T (bpmn:ServiceTask): zeebe:taskDefinition type is not valid FEEL: Incomplete <ArithmeticExpression> at 6',
        'T (bpmn:ServiceTask): zeebe:taskDefinition retries is not valid FEEL: Unrecognized token in <Expression> at 0 (")")',
      ],
    ],
    [
      'a user task whose zeebe attributes do not parse',
      around(
        lines(
          '<bpmn:userTask id="T"><bpmn:extensionElements>',
          '<zeebe:assignmentDefinition assignee="=(" candidateGroups="=[" candidateUsers="=]"/>',
          '<zeebe:taskSchedule dueDate="tomorrow" followUpDate="=)"/>',
          '<zeebe:priorityDefinition priority="=*"/>',
          '</bpmn:extensionElements></bpmn:userTask>',
        ),
      ),
      [
        'T (bpmn:UserTask): zeebe:assignmentDefinition assignee is not valid FEEL: Incomplete <ParenthesizedExpression> at 1',
        'T (bpmn:UserTask): zeebe:assignmentDefinition candidateGroups is not valid FEEL: Incomplete <List> at 1',
        'T (bpmn:UserTask): zeebe:assignmentDefinition candidateUsers is not valid FEEL: Incomplete <Interval> at 1',
        'T (bpmn:UserTask): zeebe:taskSchedule dueDate "tomorrow" is neither an ISO-8601 date-time (2026-12-01T00:00:00+08:00) nor a duration (P5D), nor a FEEL expression',
        'T (bpmn:UserTask): zeebe:taskSchedule followUpDate is not valid FEEL: Unrecognized token in <Expression> at 0 (")")',
        'T (bpmn:UserTask): zeebe:priorityDefinition priority is not valid FEEL: Unrecognized token in <Expression> at 0 ("*")',
      ],
    ],
    [
      'an io mapping without a target and one whose source does not parse',
      around(
        '<bpmn:userTask id="T"><bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=a"/><zeebe:output source="=(" target="b"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:userTask>',
      ),
      [
        'T (bpmn:UserTask): zeebe:input mapping has no target',
        "T (bpmn:UserTask): zeebe:output mapping for 'b' is not valid FEEL: Incomplete <ParenthesizedExpression> at 1",
      ],
    ],
    [
      'a call activity without zeebe:calledElement',
      around('<bpmn:callActivity id="T"/>'),
      [
        'T (bpmn:CallActivity): call activity has no zeebe:calledElement processId (the process to call)',
      ],
    ],
    [
      'a call activity whose processId is FEEL that does not parse',
      around(
        '<bpmn:callActivity id="T"><bpmn:extensionElements><zeebe:calledElement processId="=name +"/></bpmn:extensionElements></bpmn:callActivity>',
      ),
      [
        'T (bpmn:CallActivity): zeebe:calledElement processId is not valid FEEL: Incomplete <ArithmeticExpression> at 6',
      ],
    ],
    [
      'a multi-instance task without inputCollection',
      around('<bpmn:userTask id="T"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>'),
      [
        'T (bpmn:UserTask): multi-instance activity has no zeebe:loopCharacteristics inputCollection',
      ],
    ],
    [
      'a multi-instance task with broken FEEL and an output collection without output element',
      around(
        lines(
          '<bpmn:userTask id="T"><bpmn:multiInstanceLoopCharacteristics>',
          '<bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items[" outputCollection="results"/></bpmn:extensionElements>',
          '<bpmn:completionCondition>=done &gt;</bpmn:completionCondition>',
          '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>',
        ),
      ),
      [
        'T (bpmn:UserTask): multi-instance inputCollection is not valid FEEL: Incomplete <FilterExpression> at 6',
        'T (bpmn:UserTask): multi-instance outputCollection and outputElement must be given together',
        'T (bpmn:UserTask): multi-instance completionCondition is not valid FEEL: Incomplete <Comparison> at 6',
      ],
    ],
  ]);
});

describe('sub-processes', () => {
  check([
    [
      'a sub-process without a start event',
      around(lines('<bpmn:subProcess id="T">', '<bpmn:task id="Inner"/>', '</bpmn:subProcess>')),
      [
        'Inner (bpmn:Task): has no incoming sequence flow, so it can never be reached',
        'T (bpmn:SubProcess): a sub-process needs exactly one none start event (found 0 start events)',
      ],
    ],
    [
      'a sub-process with a timer start event',
      around(
        lines(
          '<bpmn:subProcess id="T">',
          `<bpmn:startEvent id="Inner">${timer('timeDuration', 'P1D')}</bpmn:startEvent>`,
          '</bpmn:subProcess>',
        ),
      ),
      [
        'T (bpmn:SubProcess): a sub-process needs exactly one none start event (found 1 start event, with a timer)',
      ],
    ],
    [
      'a sub-process whose only start event is refused (reported once)',
      around(
        lines(
          '<bpmn:subProcess id="T">',
          '<bpmn:startEvent id="Inner"><bpmn:messageEventDefinition/></bpmn:startEvent>',
          '</bpmn:subProcess>',
        ),
      ),
      [
        'Inner (bpmn:StartEvent): bpmn:MessageEventDefinition on a start event is not supported (supported: none start event, bpmn:TimerEventDefinition)',
      ],
    ],
  ]);
});

describe('the document as a whole', () => {
  it('given no executable process, when linted, then it says so on the definitions', async () => {
    const xml = processXml('<bpmn:startEvent id="Start"/>').replace(
      'isExecutable="true"',
      'isExecutable="false"',
    );

    expect(await lint(xml)).toEqual([
      'Defs (bpmn:Definitions): the document has no executable process (a bpmn:process with isExecutable="true")',
    ]);
  });

  it('given a document with many problems, when linted, then every problem is reported at once, each once', async () => {
    const { problems, definitions } = await lintBpmn(lintFixture('several-problems.bpmn'));

    expect(definitions).toBeNull();
    expect(problems.map((p) => `${p.elementId} (${p.bpmnType}): ${p.message}`)).toEqual([
      "Review (bpmn:UserTask): unknown attribute 'assigne' (not part of BPMN 2.0 or the zeebe extensions)",
      'Review (bpmn:UserTask): unknown element <zeebe:assignmentDefinitions> at line 8 (not part of BPMN 2.0 or the zeebe extensions)',
      "f5 (bpmn:SequenceFlow): targetRef 'Archive' does not exist in this document",
      `Compute (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`,
      'Wait (bpmn:IntermediateCatchEvent): timeDuration "3 days" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)',
      'Report (bpmn:CallActivity): call activity has no zeebe:calledElement processId (the process to call)',
      'fHigh (bpmn:SequenceFlow): condition is not valid FEEL: Incomplete <Comparison> at 8',
      'f6 (bpmn:SequenceFlow): sequence flow has no target (sequence flow to nowhere)',
      'Stuck (bpmn:ExclusiveGateway): gateway has no outgoing sequence flow',
      'Done (bpmn:EndEvent): has no incoming sequence flow, so it can never be reached',
    ]);
  });

  it('given a document with problems, when compiled, then BpmnValidationError carries all of them', async () => {
    const xml = lintFixture('several-problems.bpmn');
    const { problems } = await lintBpmn(xml);

    const error = await compileBpmn(xml).then(
      () => null,
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(BpmnValidationError);
    expect((error as BpmnValidationError).problems).toEqual(problems);
    expect((error as BpmnValidationError).message).toMatch(
      /^the BPMN document has 10 problems:\n {2}Review \(bpmn:UserTask\): unknown attribute 'assigne'/,
    );
  });

  it('given the same problem found twice, when linted, then it is reported once', async () => {
    const task =
      '<bpmn:userTask id="T"><bpmn:extensionElements>' +
      '<zeebe:ioMapping><zeebe:input source="=a"/><zeebe:input source="=b"/></zeebe:ioMapping>' +
      '</bpmn:extensionElements></bpmn:userTask>';

    expect(await lint(around(task))).toEqual([
      'T (bpmn:UserTask): zeebe:input mapping has no target',
    ]);
  });
});
