import { beforeAll, describe, expect, it } from '@jest/globals';
import { type CompiledDefinitions, type ProcessGraph, compileBpmn, lintBpmn } from './index.js';
import { around, flow, lintFixture, processXml } from './testing/fixtures.js';

describe('compiling every supported element (test/fixtures/lint/all-elements.bpmn)', () => {
  let definitions: CompiledDefinitions;
  let graph: ProcessGraph;

  beforeAll(async () => {
    definitions = await compileBpmn(lintFixture('all-elements.bpmn'));
    graph = definitions.processes['all-elements'];
  });

  it('given the document, when compiled, then it has the one executable process with its name and ref', () => {
    expect(definitions.id).toBe('AllElements');
    expect(Object.keys(definitions.processes)).toEqual(['all-elements']);
    expect(graph.id).toBe('all-elements');
    expect(graph.name).toBe('Every supported element');
    expect(graph.ref).toBe('all-elements');
  });

  it('given a none and a timer start event, when compiled, then both are start events and the process knows which is which', () => {
    expect(graph.nodes.Start).toEqual({
      id: 'Start',
      bpmnType: 'bpmn:StartEvent',
      name: 'Start',
      documentation: null,
      scope: 'all-elements',
      incoming: [],
      outgoing: ['f1'],
      kind: 'startEvent',
      timer: null,
    });
    expect(graph.nodes.Monthly).toMatchObject({
      kind: 'startEvent',
      timer: { kind: 'timeCycle', expression: 'R/2026-01-01T09:00:00+08:00/P1M' },
    });
    expect(graph.noneStartEvent).toBe('Start');
    expect(graph.timerStartEvents).toEqual(['Monthly']);
  });

  it('given a user task with zeebe extensions, when compiled, then every attribute is read raw, documentation joined, boundary events attached', () => {
    expect(graph.nodes.Review).toEqual({
      id: 'Review',
      bpmnType: 'bpmn:UserTask',
      name: 'Review the agenda',
      documentation: 'Check the agenda.\nThen decide.',
      scope: 'all-elements',
      incoming: ['f1', 'fMonthly'],
      outgoing: ['f2'],
      boundaryEvents: ['Remind', 'Expire'],
      multiInstance: null,
      ioMapping: {
        inputs: [{ source: '=agenda', target: 'items' }],
        outputs: [{ source: '=approved', target: 'approved' }],
      },
      kind: 'userTask',
      assignee: '=secretary',
      candidateGroups: 'committee, branch',
      candidateUsers: 'amy',
      dueDate: 'P3D',
      followUpDate: '=followUp',
      formKey: 'camunda-forms:bpmn:review-form',
      formId: null,
      priority: '80',
    });
  });

  it('given an interrupting and a non-interrupting boundary timer, when compiled, then each knows its host, mode and timer', () => {
    expect(graph.nodes.Remind).toEqual({
      id: 'Remind',
      bpmnType: 'bpmn:BoundaryEvent',
      name: null,
      documentation: null,
      scope: 'all-elements',
      incoming: [],
      outgoing: ['fRemind'],
      kind: 'boundaryEvent',
      attachedTo: 'Review',
      cancelActivity: false,
      timer: { kind: 'timeCycle', expression: 'R3/P1D' },
    });
    expect(graph.nodes.Expire).toMatchObject({
      kind: 'boundaryEvent',
      attachedTo: 'Review',
      cancelActivity: true,
      timer: { kind: 'timeDuration', expression: 'P7D' },
    });
  });

  it('given an exclusive gateway with a default flow, when compiled, then the default is known and conditions lose their = and blanks', () => {
    expect(graph.nodes.Decide).toMatchObject({
      kind: 'exclusiveGateway',
      name: 'Approved?',
      outgoing: ['fApprove', 'fReject'],
      defaultFlow: 'fReject',
    });
    expect(graph.flows.fApprove).toEqual({
      id: 'fApprove',
      name: 'yes',
      source: 'Decide',
      target: 'Fork',
      condition: 'approved = true',
    });
    expect(graph.flows.fReject?.condition).toBeNull();
  });

  it('given parallel gateways, when compiled, then they fork and join with no default flow', () => {
    expect(graph.nodes.Fork).toMatchObject({
      kind: 'parallelGateway',
      outgoing: ['fA', 'fB'],
      defaultFlow: null,
    });
    expect(graph.nodes.Join).toMatchObject({
      kind: 'parallelGateway',
      incoming: ['fA2', 'fB2'],
      defaultFlow: null,
    });
  });

  it('given a service task, when compiled, then job type, retries and headers are read', () => {
    expect(graph.nodes.Notify).toMatchObject({
      kind: 'serviceTask',
      bpmnType: 'bpmn:ServiceTask',
      jobType: 'notify-members',
      retries: '5',
      headers: { channel: 'sms', template: 'meeting' },
      boundaryEvents: [],
      multiInstance: null,
      ioMapping: null,
    });
  });

  it('given a manual task and a task, when compiled, then both pass through', () => {
    expect(graph.nodes.Archive).toMatchObject({ kind: 'task', bpmnType: 'bpmn:ManualTask' });
    expect(graph.nodes.Wrap).toMatchObject({ kind: 'task', bpmnType: 'bpmn:Task' });
  });

  it('given a multi-instance sub-process, when compiled, then it knows its start event, its children live in its scope', () => {
    expect(graph.nodes.Meeting).toMatchObject({
      kind: 'subProcess',
      startEvent: 'MeetingStart',
      scope: 'all-elements',
      multiInstance: {
        sequential: false,
        inputCollection: '=members',
        inputElement: 'member',
        outputCollection: 'minutes',
        outputElement: '=note',
        completionCondition: 'nrOfCompletedInstances >= 3',
      },
    });
    expect(graph.nodes.MeetingStart).toMatchObject({ kind: 'startEvent', scope: 'Meeting' });
    expect(graph.nodes.Talk).toMatchObject({
      kind: 'userTask',
      scope: 'Meeting',
      assignee: '=member',
    });
    expect(graph.flows.m1).toEqual({
      id: 'm1',
      name: null,
      source: 'MeetingStart',
      target: 'Talk',
      condition: null,
    });
    // the process's own start events are not the sub-process's
    expect(graph.noneStartEvent).toBe('Start');
  });

  it('given a sequential multi-instance call activity, when compiled, then the called process and propagation flags are read', () => {
    expect(graph.nodes.Report).toMatchObject({
      kind: 'callActivity',
      calledProcessId: 'report-upwards',
      propagateAllChildVariables: false,
      propagateAllParentVariables: true,
      multiInstance: {
        sequential: true,
        inputCollection: '=committees',
        inputElement: null,
        outputCollection: null,
        outputElement: null,
        completionCondition: null,
      },
    });
  });

  it('given intermediate timer catch events and a none throw event, when compiled, then their timers are kept raw', () => {
    expect(graph.nodes.WaitUntil).toMatchObject({
      kind: 'intermediateCatchEvent',
      timer: { kind: 'timeDate', expression: '2026-12-01T09:00:00+08:00' },
    });
    expect(graph.nodes.Pause).toMatchObject({
      kind: 'intermediateCatchEvent',
      timer: { kind: 'timeDuration', expression: '=pause' },
    });
    expect(graph.nodes.Milestone).toMatchObject({
      kind: 'intermediateThrowEvent',
      name: 'Done with meetings',
    });
  });

  it('given terminate and none end events, when compiled, then terminate is set only on the first', () => {
    expect(graph.nodes.Rejected).toMatchObject({ kind: 'endEvent', terminate: true });
    expect(graph.nodes.Done).toMatchObject({ kind: 'endEvent', terminate: false });
  });

  it('given a converging inclusive gateway, when compiled, then inclusiveJoinReach lists, per node of its scope, the incoming flows still reachable', () => {
    expect(Object.keys(graph.inclusiveJoinReach)).toEqual(['Merge']);
    const reach = graph.inclusiveJoinReach.Merge;
    expect(reach?.Choose).toEqual(['fNone', 'fC1b', 'fC2b']);
    expect(reach?.Start).toEqual(['fNone', 'fC1b', 'fC2b']);
    expect(reach?.Meeting).toEqual(['fC1b']);
    expect(reach?.Report).toEqual(['fC2b']);
    expect(reach?.Expire).toEqual([]);
    expect(reach?.WaitUntil).toEqual([]);
    expect(reach).not.toHaveProperty('Merge');
    expect(reach).not.toHaveProperty('Talk');
  });

  it('given the compiled graph, when anyone tries to change it, then it is frozen all the way down', () => {
    expect(Object.isFrozen(definitions)).toBe(true);
    expect(Object.isFrozen(graph.nodes)).toBe(true);
    expect(Object.isFrozen(graph.nodes.Review)).toBe(true);
    expect(Object.isFrozen(graph.flows.fApprove)).toBe(true);
    expect(Object.isFrozen(graph.inclusiveJoinReach.Merge?.Start)).toBe(true);
  });

  it('given the flows, when compiled, then they are listed in document order, sub-process flows after the scope that holds them', () => {
    expect(Object.keys(graph.flows).slice(0, 4)).toEqual(['f1', 'fMonthly', 'fRemind', 'fExpire']);
    expect(Object.keys(graph.flows)).toContain('m1');
  });
});

describe('defaults and edge cases of compilation', () => {
  it('given a user task without extensions, when compiled, then its zeebe fields are null', async () => {
    const definitions = await compileBpmn(around('<bpmn:userTask id="T"/>'));

    expect(definitions.processes.p?.nodes.T).toMatchObject({
      kind: 'userTask',
      assignee: null,
      candidateGroups: null,
      candidateUsers: null,
      dueDate: null,
      followUpDate: null,
      formKey: null,
      formId: null,
      priority: null,
      multiInstance: null,
      ioMapping: null,
      boundaryEvents: [],
    });
  });

  it('given a service task with only a type, when compiled, then retries default to 3 and there are no headers', async () => {
    const definitions = await compileBpmn(
      around(
        '<bpmn:serviceTask id="T"><bpmn:extensionElements><zeebe:taskDefinition type="=kind"/></bpmn:extensionElements></bpmn:serviceTask>',
      ),
    );

    expect(definitions.processes.p?.nodes.T).toMatchObject({
      kind: 'serviceTask',
      jobType: '=kind',
      retries: '3',
      headers: {},
    });
  });

  it('given a call activity with only a processId, when compiled, then both propagation flags default to true', async () => {
    const definitions = await compileBpmn(
      around(
        '<bpmn:callActivity id="T"><bpmn:extensionElements><zeebe:calledElement processId="=child"/></bpmn:extensionElements></bpmn:callActivity>',
      ),
    );

    expect(definitions.processes.p?.nodes.T).toMatchObject({
      kind: 'callActivity',
      calledProcessId: '=child',
      propagateAllChildVariables: true,
      propagateAllParentVariables: true,
    });
  });

  it('given a user task form by external reference, when compiled, then it is the form key', async () => {
    const definitions = await compileBpmn(
      around(
        '<bpmn:userTask id="T"><bpmn:extensionElements><zeebe:formDefinition externalReference="https://forms.example/review"/></bpmn:extensionElements></bpmn:userTask>',
      ),
    );

    expect(definitions.processes.p?.nodes.T).toMatchObject({
      formKey: 'https://forms.example/review',
      formId: null,
    });
  });

  it('given a condition on the default flow of a gateway, when compiled, then the default flow is unconditional', async () => {
    const xml = processXml(
      [
        '<bpmn:startEvent id="Start"/>',
        flow('f1', 'Start', 'G'),
        '<bpmn:exclusiveGateway id="G" default="no"/>',
        flow('yes', 'G', 'A', '=ok'),
        flow('no', 'G', 'B', '=not(ok)'),
        '<bpmn:endEvent id="A"/>',
        '<bpmn:endEvent id="B"/>',
      ].join('\n'),
    );

    const graph = (await compileBpmn(xml)).processes.p;

    expect(graph?.flows.yes?.condition).toBe('ok');
    expect(graph?.flows.no?.condition).toBeNull();
  });

  it('given a converging inclusive gateway inside a sub-process, when compiled, then its table covers that scope only', async () => {
    const xml = around(
      [
        '<bpmn:subProcess id="T">',
        '<bpmn:startEvent id="S"/>',
        flow('s1', 'S', 'Split'),
        '<bpmn:inclusiveGateway id="Split" default="b"/>',
        flow('a', 'Split', 'Merge', '=x'),
        flow('b', 'Split', 'Merge'),
        '<bpmn:inclusiveGateway id="Merge"/>',
        flow('s2', 'Merge', 'E'),
        '<bpmn:endEvent id="E"/>',
        '</bpmn:subProcess>',
      ].join('\n'),
    );

    const graph = (await compileBpmn(xml)).processes.p;

    expect(graph?.inclusiveJoinReach).toEqual({
      Merge: { S: ['a', 'b'], Split: ['a', 'b'], E: [] },
    });
    expect(graph?.nodes.T).toMatchObject({ kind: 'subProcess', startEvent: 'S' });
  });

  it('given two executable processes and a non-executable one, when compiled, then the executable ones are compiled in document order', async () => {
    const one = processXml(
      ['<bpmn:startEvent id="S1"/>', flow('f1', 'S1', 'E1'), '<bpmn:endEvent id="E1"/>'].join('\n'),
    );
    const xml = one.replace(
      '</bpmn:definitions>',
      [
        '<bpmn:process id="q" isExecutable="true"><bpmn:startEvent id="S2"/>',
        flow('f2', 'S2', 'E2'),
        '<bpmn:endEvent id="E2"/></bpmn:process>',
        '<bpmn:process id="sketch" isExecutable="false"><bpmn:scriptTask id="Ignored"/></bpmn:process>',
        '</bpmn:definitions>',
      ].join('\n'),
    );

    const definitions = await compileBpmn(xml);

    expect(Object.keys(definitions.processes)).toEqual(['p', 'q']);
    expect(definitions.processes.q?.noneStartEvent).toBe('S2');
  });
});

describe('real Camunda Modeler exports', () => {
  it('given a Camunda Modeler 5 export (bpmndi, modeler: attributes, zeebe:userTask, zeebe:properties), when linted, then there is no problem and it compiles', async () => {
    const { problems, definitions } = await lintBpmn(lintFixture('camunda-modeler-export.bpmn'));

    expect(problems).toEqual([]);
    const graph = definitions?.processes['branch-meeting'];
    expect(graph?.name).toBe('支部委员会会议');
    expect(graph?.nodes.Activity_Prepare).toMatchObject({
      kind: 'userTask',
      name: '准备议题',
      documentation: 'Secretary prepares the agenda.',
      assignee: '=secretary',
      candidateGroups: 'committee',
      dueDate: 'P3D',
      formId: 'agenda-form',
      boundaryEvents: ['Event_Remind'],
    });
    expect(graph?.nodes.Activity_Notify).toMatchObject({
      kind: 'serviceTask',
      jobType: 'notify-members',
      retries: '5',
      headers: { channel: 'sms' },
      ioMapping: {
        inputs: [{ source: '=members', target: 'recipients' }],
        outputs: [{ source: '=sent', target: 'notified' }],
      },
    });
    expect(graph?.flows.Flow_Approved?.condition).toBe('approved = true');
    expect(Object.keys(graph?.nodes ?? {})).not.toContain('TextAnnotation_0a1');
  });

  it('given a collaboration with participants, lanes, a message flow, a data object and a group, when linted, then the participant process compiles with no problem', async () => {
    const { problems, definitions } = await lintBpmn(lintFixture('collaboration.bpmn'));

    expect(problems).toEqual([]);
    expect(Object.keys(definitions?.processes ?? {})).toEqual(['member-review']);
    expect(Object.keys(definitions?.processes['member-review']?.nodes ?? {})).toEqual([
      'StartEvent_1',
      'Activity_Review',
      'Event_End',
    ]);
  });
});
