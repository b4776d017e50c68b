import { describe, expect, it } from '@jest/globals';
import { around, lint, processXml } from './testing/fixtures.js';

const USER_TASK =
  'supported on bpmn:UserTask: zeebe:assignmentDefinition, zeebe:taskSchedule, zeebe:formDefinition, zeebe:priorityDefinition, zeebe:userTask, zeebe:ioMapping, zeebe:properties';
const ext = (inner: string) => `<bpmn:extensionElements>${inner}</bpmn:extensionElements>`;
const CAMUNDA_7 = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';

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
