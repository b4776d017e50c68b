import { describe, expect, it } from '@jest/globals';
import { around, flow, lint, processXml, timer } from './testing/fixtures.js';

const USER_TASK =
  'supported on bpmn:UserTask: zeebe:assignmentDefinition, zeebe:taskSchedule, zeebe:formDefinition, zeebe:priorityDefinition, zeebe:userTask, zeebe:ioMapping, zeebe:properties';
const ext = (inner: string) => `<bpmn:extensionElements>${inner}</bpmn:extensionElements>`;
const CAMUNDA_7 = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';
const PARTY = 'xmlns:party="https://example.org/party"';
const ONLY_STANDARD =
  'only BPMN 2.0 and zeebe attributes are; modeler and colour attributes are ignored';

describe('extensions the engine does not execute are refused, not ignored', () => {
  it('given zeebe:ioMapping on a start event (a counter that would never be set), when linted, then it is refused', async () => {
    const xml = processXml(
      '<bpmn:startEvent id="Start">' +
        ext('<zeebe:ioMapping><zeebe:output source="=0" target="counter"/></zeebe:ioMapping>') +
        '</bpmn:startEvent><bpmn:sequenceFlow id="f" sourceRef="Start" targetRef="End"/><bpmn:endEvent id="End"/>',
    );

    expect(await lint(xml)).toEqual([
      'Start (bpmn:StartEvent): zeebe:ioMapping on bpmn:StartEvent is not executed here (supported on bpmn:StartEvent: zeebe:properties)',
    ]);
  });

  it('given zeebe:taskListeners on a user task, when linted, then it is refused naming what is supported', async () => {
    const xml = around(
      `<bpmn:userTask id="T">${ext('<zeebe:taskListeners><zeebe:taskListener eventType="assigning" type="assign"/></zeebe:taskListeners>')}</bpmn:userTask>`,
    );

    expect(await lint(xml)).toEqual([
      `T (bpmn:UserTask): zeebe:taskListeners on bpmn:UserTask is not executed here (${USER_TASK})`,
    ]);
  });

  it('given zeebe:executionListeners on a task, when linted, then it is refused', async () => {
    const xml = around(
      `<bpmn:task id="T">${ext('<zeebe:executionListeners><zeebe:executionListener eventType="start" type="x"/></zeebe:executionListeners>')}</bpmn:task>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:Task): zeebe:executionListeners on bpmn:Task is not executed here (supported on bpmn:Task: zeebe:ioMapping, zeebe:properties)',
    ]);
  });

  it('given Camunda 7 attributes and extension elements, when linted, then each is refused saying it is a Camunda 7 model', async () => {
    const xml = around(
      `<bpmn:userTask id="T" ${CAMUNDA_7} camunda:assignee="amy" camunda:formKey="embedded:x">${ext('<camunda:inputOutput/>')}</bpmn:userTask>`,
    );

    expect(await lint(xml)).toEqual([
      `T (bpmn:UserTask): this is a Camunda 7 model: extension element <camunda:inputOutput> is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported (${USER_TASK})`,
      `T (bpmn:UserTask): this is a Camunda 7 model: attribute camunda:assignee is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported (${USER_TASK})`,
      `T (bpmn:UserTask): this is a Camunda 7 model: attribute camunda:formKey is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported (${USER_TASK})`,
    ]);
  });

  it('given an extension element of an unknown namespace, when linted, then it is refused naming the namespace', async () => {
    const xml = around(
      `<bpmn:task id="T">${ext('<x:retry xmlns:x="https://example.org/x" times="3"/>')}</bpmn:task>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:Task): extension element <x:retry> (namespace https://example.org/x) is not executed here (supported on bpmn:Task: zeebe:ioMapping, zeebe:properties)',
    ]);
  });

  it('given zeebe:properties anywhere and a call activity binding other than latest, when linted, then only the binding is refused', async () => {
    const xml = around(
      `<bpmn:callActivity id="T">${ext('<zeebe:calledElement processId="child" bindingType="deployment"/><zeebe:properties><zeebe:property name="owner" value="office"/></zeebe:properties>')}</bpmn:callActivity>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:CallActivity): zeebe:calledElement bindingType="deployment" is not executed here (a call activity always starts the latest deployed version)',
    ]);
  });
});

describe('attributes of the zeebe extension elements: exactly those the engine reads', () => {
  it('given a foreign attribute on zeebe:assignmentDefinition (namespace declared on the task), when linted, then it is refused naming the extension and what it supports', async () => {
    const xml = around(
      `<bpmn:userTask id="T" ${PARTY}>${ext('<zeebe:assignmentDefinition assignee="amy" party:note="x"/>')}</bpmn:userTask>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:UserTask): attribute party:note (namespace https://example.org/party) on zeebe:assignmentDefinition is not executed here (supported on zeebe:assignmentDefinition: assignee, candidateGroups, candidateUsers)',
    ]);
  });

  it('given zeebe:calledElement versionTag and businessId, when linted, then each is refused; processId and the propagate flags are accepted', async () => {
    const xml = around(
      `<bpmn:callActivity id="T">${ext('<zeebe:calledElement processId="child" propagateAllChildVariables="false" propagateAllParentVariables="false" versionTag="v1" businessId="=key"/>')}</bpmn:callActivity>`,
    );
    const supported =
      'supported on zeebe:calledElement: processId, processIdExpression, propagateAllChildVariables, propagateAllParentVariables, bindingType="latest"';

    expect(await lint(xml)).toEqual([
      `T (bpmn:CallActivity): zeebe:calledElement versionTag="v1" is not executed here (${supported})`,
      `T (bpmn:CallActivity): zeebe:calledElement businessId="=key" is not executed here (${supported})`,
    ]);
  });

  it('given zeebe:formDefinition bindingType deployment and a versionTag, when linted, then both are refused; formKey, formId, externalReference and bindingType latest are accepted', async () => {
    const refused = around(
      `<bpmn:userTask id="T">${ext('<zeebe:formDefinition formId="f" bindingType="deployment" versionTag="v2"/>')}</bpmn:userTask>`,
    );
    const accepted = around(
      `<bpmn:userTask id="T">${ext('<zeebe:formDefinition formId="f" bindingType="latest"/>')}</bpmn:userTask>` +
        `<bpmn:userTask id="U">${ext('<zeebe:formDefinition formKey="k"/>')}</bpmn:userTask>` +
        `<bpmn:userTask id="V">${ext('<zeebe:formDefinition externalReference="https://forms.example.org/a"/>')}</bpmn:userTask>`,
    );

    expect(await lint(refused)).toEqual([
      'T (bpmn:UserTask): zeebe:formDefinition bindingType="deployment" is not executed here (a form is the file of that name in the templates folder; forms are not versioned)',
      'T (bpmn:UserTask): zeebe:formDefinition versionTag="v2" is not executed here (supported on zeebe:formDefinition: formKey, formId, externalReference, bindingType="latest")',
    ]);
    expect((await lint(accepted)).filter((line) => /formDefinition/.test(line))).toEqual([]);
  });

  it('given zeebe:retryCounter on a service task and an id on a task header, when linted, then both are refused', async () => {
    const xml = around(
      `<bpmn:serviceTask id="T" zeebe:retryCounter="tries">${ext('<zeebe:taskDefinition type="mail" retries="5"/><zeebe:taskHeaders><zeebe:header id="h1" key="k" value="v"/></zeebe:taskHeaders>')}</bpmn:serviceTask>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:ServiceTask): attribute zeebe:retryCounter="tries" is not executed here (a job is retried zeebe:taskDefinition retries times; no counter variable is set)',
      'T (bpmn:ServiceTask): zeebe:header id="h1" is not executed here (supported on zeebe:header: key, value)',
    ]);
  });

  it('given foreign attributes on zeebe:input, zeebe:taskSchedule and zeebe:property, when linted, then each is refused', async () => {
    const xml = around(
      `<bpmn:userTask id="T" ${PARTY}>${ext('<zeebe:taskSchedule dueDate="P1D" party:a="1"/><zeebe:ioMapping><zeebe:input source="=1" target="x" party:b="2"/></zeebe:ioMapping><zeebe:properties><zeebe:property name="n" value="v" party:c="3"/></zeebe:properties>')}</bpmn:userTask>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:UserTask): attribute party:a (namespace https://example.org/party) on zeebe:taskSchedule is not executed here (supported on zeebe:taskSchedule: dueDate, followUpDate)',
      'T (bpmn:UserTask): attribute party:b (namespace https://example.org/party) on zeebe:input is not executed here (supported on zeebe:input: source, target, modelerConfigurationTemplate, modelerConfigurationName)',
      'T (bpmn:UserTask): attribute party:c (namespace https://example.org/party) on zeebe:property is not executed here (supported on zeebe:property: name, value, modelerConfigurationTemplate, modelerConfigurationName)',
    ]);
  });

  it('given every attribute the engine reads, and modeler template attributes, when linted, then nothing is refused', async () => {
    const xml = around(
      `<bpmn:userTask id="T" zeebe:modelerTemplate="t" zeebe:modelerTemplateVersion="2">${ext(
        '<zeebe:userTask/><zeebe:assignmentDefinition assignee="a" candidateGroups="g" candidateUsers="u"/>' +
          '<zeebe:taskSchedule dueDate="P1D" followUpDate="PT12H"/><zeebe:formDefinition formId="f"/>' +
          '<zeebe:priorityDefinition priority="60"/><zeebe:ioMapping><zeebe:input source="=1" target="x"/><zeebe:output source="=x" target="y"/></zeebe:ioMapping>',
      )}<bpmn:multiInstanceLoopCharacteristics isSequential="true">${ext(
        '<zeebe:loopCharacteristics inputCollection="=xs" inputElement="x" outputCollection="ys" outputElement="=x"/>',
      )}<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=false</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`,
    );

    expect(await lint(xml)).toEqual([]);
  });
});

describe('inside nested BPMN elements: multi-instance, flows, expressions, timers, documentation', () => {
  it('given zeebe:ioMapping, a foreign attribute, behavior One and loopCardinality on a multi-instance, when linted, then each is refused', async () => {
    const xml = around(
      `<bpmn:userTask id="T" ${PARTY}><bpmn:multiInstanceLoopCharacteristics behavior="One">${ext(
        '<zeebe:loopCharacteristics inputCollection="=xs" party:x="1"/><zeebe:ioMapping/>',
      )}<bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:UserTask): zeebe:ioMapping on bpmn:MultiInstanceLoopCharacteristics is not executed here (supported on bpmn:MultiInstanceLoopCharacteristics: zeebe:loopCharacteristics, zeebe:properties)',
      'T (bpmn:UserTask): attribute behavior="One" on bpmn:MultiInstanceLoopCharacteristics is not executed here (every instance completes normally here; only All is supported)',
      'T (bpmn:UserTask): <bpmn:loopCardinality> on bpmn:MultiInstanceLoopCharacteristics is not executed here (the number of instances is the size of zeebe:loopCharacteristics inputCollection)',
      'T (bpmn:UserTask): attribute party:x (namespace https://example.org/party) on zeebe:loopCharacteristics is not executed here (supported on zeebe:loopCharacteristics: inputCollection, inputElement, outputCollection, outputElement)',
    ]);
  });

  it('given extensions and foreign attributes on a sequence flow and its condition, and a condition in another language, when linted, then each is refused', async () => {
    const xml = processXml(
      `<bpmn:startEvent id="S"/>${flow('f0', 'S', 'G')}<bpmn:exclusiveGateway id="G" default="f2"/>` +
        `<bpmn:sequenceFlow id="f1" sourceRef="G" targetRef="E" ${PARTY} party:w="1">${ext('<zeebe:ioMapping/>')}` +
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript" party:y="2">=x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>' +
        `${flow('f2', 'G', 'E')}<bpmn:endEvent id="E"/>`,
    );

    expect(await lint(xml)).toEqual([
      'f1 (bpmn:SequenceFlow): zeebe:ioMapping on bpmn:SequenceFlow is not executed here (supported on bpmn:SequenceFlow: zeebe:properties)',
      `f1 (bpmn:SequenceFlow): attribute party:w (namespace https://example.org/party) is not executed here (${ONLY_STANDARD})`,
      `f1 (bpmn:SequenceFlow): attribute party:y (namespace https://example.org/party) on bpmn:FormalExpression is not executed here (${ONLY_STANDARD})`,
      'f1 (bpmn:SequenceFlow): attribute language="javascript" on bpmn:FormalExpression is not executed here (expressions are FEEL here; another language would be read as FEEL)',
    ]);
  });

  it('given a foreign element and attribute in a timer definition and a foreign attribute on documentation, when linted, then each is refused on its event', async () => {
    const xml = processXml(
      `<bpmn:startEvent id="S" ${PARTY}><bpmn:timerEventDefinition id="TD" party:z="1">${ext('<zeebe:properties/><party:q/>')}` +
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>' +
        `${flow('f', 'S', 'E')}<bpmn:endEvent id="E"><bpmn:documentation ${PARTY} party:d="1">done</bpmn:documentation></bpmn:endEvent>`,
    );

    expect(await lint(xml)).toEqual([
      'S (bpmn:StartEvent): extension element <party:q> (namespace https://example.org/party) on bpmn:TimerEventDefinition is not executed here (supported on bpmn:TimerEventDefinition: zeebe:properties)',
      `S (bpmn:StartEvent): attribute party:z (namespace https://example.org/party) on bpmn:TimerEventDefinition is not executed here (${ONLY_STANDARD})`,
      `E (bpmn:EndEvent): attribute party:d (namespace https://example.org/party) on bpmn:Documentation is not executed here (${ONLY_STANDARD})`,
    ]);
  });

  it('given Camunda 7 attributes on a timer definition inside a boundary event, when linted, then it says this is a Camunda 7 model', async () => {
    const xml = around(
      '<bpmn:task id="T"/>',
      `<bpmn:boundaryEvent id="B" attachedToRef="T" ${CAMUNDA_7}><bpmn:timerEventDefinition camunda:asyncBefore="true">${timer('timeDuration', 'P1D').replace(/^<bpmn:timerEventDefinition>|<\/bpmn:timerEventDefinition>$/g, '')}</bpmn:timerEventDefinition></bpmn:boundaryEvent>${flow('f3', 'B', 'End')}`,
    );

    expect(await lint(xml)).toEqual([
      'B (bpmn:BoundaryEvent): this is a Camunda 7 model: attribute camunda:asyncBefore on bpmn:TimerEventDefinition is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported (only BPMN 2.0 and zeebe attributes are; modeler and colour attributes are ignored)',
    ]);
  });
});

describe('standard BPMN that would change what runs', () => {
  it('given compensation, start/completion quantities, an ioSpecification and a potential owner on a task, when linted, then each is refused saying why', async () => {
    const xml = around(
      '<bpmn:task id="T" isForCompensation="true" startQuantity="2" completionQuantity="2">' +
        '<bpmn:ioSpecification><bpmn:dataInput id="DI"/><bpmn:inputSet/></bpmn:ioSpecification>' +
        '<bpmn:potentialOwner><bpmn:resourceAssignmentExpression><bpmn:formalExpression>amy</bpmn:formalExpression></bpmn:resourceAssignmentExpression></bpmn:potentialOwner></bpmn:task>',
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:Task): attribute isForCompensation="true" is not executed here (compensation is not supported)',
      'T (bpmn:Task): attribute startQuantity="2" is not executed here (an activity starts once per arriving token here; only 1 is supported)',
      'T (bpmn:Task): attribute completionQuantity="2" is not executed here (an activity leaves one token on each outgoing flow here; only 1 is supported)',
      'T (bpmn:Task): <bpmn:ioSpecification> is not executed here (data inputs and outputs are not executed; use zeebe:ioMapping)',
      'T (bpmn:Task): <bpmn:potentialOwner> is not executed here (who works on a user task is given by zeebe:assignmentDefinition assignee / candidateGroups / candidateUsers)',
    ]);
  });

  it('given the default values written out, when linted, then nothing is refused', async () => {
    const xml = around(
      '<bpmn:task id="T" isForCompensation="false" startQuantity="1" completionQuantity="1"/>',
    );

    expect(await lint(xml)).toEqual([]);
  });

  it('given a non-interrupting start event in a sub-process, when linted, then it is refused', async () => {
    const xml = processXml(
      `<bpmn:startEvent id="S"/>${flow('f', 'S', 'Sub')}<bpmn:subProcess id="Sub"><bpmn:startEvent id="SS" isInterrupting="false"/>` +
        `${flow('g', 'SS', 'SE')}<bpmn:endEvent id="SE"/></bpmn:subProcess>${flow('h', 'Sub', 'E')}<bpmn:endEvent id="E"/>`,
    );

    expect(await lint(xml)).toEqual([
      'SS (bpmn:StartEvent): attribute isInterrupting="false" is not executed here (a non-interrupting start event belongs to an event sub-process, which is not supported)',
    ]);
  });

  it('given a service task implementation other than the default, the standard calledElement attribute and a default flow on an activity, when linted, then each is refused', async () => {
    const xml = around(
      `<bpmn:serviceTask id="T" implementation="Java">${ext('<zeebe:taskDefinition type="a"/>')}</bpmn:serviceTask>`,
    );
    const call = around(
      `<bpmn:callActivity id="T" calledElement="child">${ext('<zeebe:calledElement processId="child"/>')}</bpmn:callActivity>`,
    );
    const withDefault = around('<bpmn:task id="T" default="f2"/>');
    const webService = around(
      `<bpmn:serviceTask id="T" implementation="##WebService">${ext('<zeebe:taskDefinition type="a"/>')}</bpmn:serviceTask>`,
    );

    expect(await lint(xml)).toEqual([
      'T (bpmn:ServiceTask): attribute implementation="Java" is not executed here (the handler is named by zeebe:taskDefinition type; implementation is not executed)',
    ]);
    expect(await lint(call)).toEqual([
      'T (bpmn:CallActivity): attribute calledElement="child" is not executed here (the process to call is given by zeebe:calledElement processId (Camunda 8))',
    ]);
    expect(await lint(withDefault)).toEqual([
      'T (bpmn:Task): attribute default="f2" is not executed here (a default flow of an activity is never taken specially here: conditions are evaluated on gateways only)',
    ]);
    expect(await lint(webService)).toEqual([]);
  });

  it('given a data association with a transformation, when linted, then it is refused; a drawn one (source and target only) is accepted', async () => {
    const data = '<bpmn:dataObjectReference id="D" dataObjectRef="DO"/><bpmn:dataObject id="DO"/>';
    const drawn = around(
      '<bpmn:task id="T"><bpmn:property id="Pr" name="__targetRef_placeholder"/><bpmn:dataInputAssociation id="A"><bpmn:sourceRef>D</bpmn:sourceRef><bpmn:targetRef>Pr</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task>',
      data,
    );
    const transformed = around(
      '<bpmn:task id="T"><bpmn:property id="Pr" name="__targetRef_placeholder"/><bpmn:dataInputAssociation id="A"><bpmn:sourceRef>D</bpmn:sourceRef><bpmn:targetRef>Pr</bpmn:targetRef><bpmn:transformation>x</bpmn:transformation></bpmn:dataInputAssociation></bpmn:task>',
      data,
    );

    expect(await lint(drawn)).toEqual([]);
    expect(await lint(transformed)).toEqual([
      'T (bpmn:Task): <bpmn:transformation> on bpmn:DataInputAssociation is not executed here (data associations are drawn, not executed; use zeebe:ioMapping)',
    ]);
  });

  it('given an event definition by reference, when linted, then it is refused rather than run as a none start event', async () => {
    const xml = processXml(
      `<bpmn:startEvent id="S"><bpmn:eventDefinitionRef>M</bpmn:eventDefinitionRef></bpmn:startEvent>${flow('f', 'S', 'E')}<bpmn:endEvent id="E"/>`,
      '<bpmn:messageEventDefinition id="M"/>',
    );

    expect(await lint(xml)).toEqual([
      'S (bpmn:StartEvent): <bpmn:eventDefinitionRef> is not executed here (an event definition by reference is not executed; define it inside the event)',
    ]);
  });
});
