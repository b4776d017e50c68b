import { describe, expect, it } from '@jest/globals';
import { BUILT_IN_SERVICE_TASK_TYPES, lintBpmn } from './index.js';
import { around, processXml } from './testing/fixtures.js';

const task = (id: string, type: string) =>
  `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="${type}"/></bpmn:extensionElements></bpmn:serviceTask>`;
const BUILT_IN: ReadonlySet<string> = new Set(BUILT_IN_SERVICE_TASK_TYPES);

describe('service-task types known at lint / deploy', () => {
  it('given a task of an unknown static type, when linted with the known types, then one problem names the element, the type and the known types', async () => {
    const { problems, definitions } = await lintBpmn(around(task('T', 'payment')), {
      serviceTaskTypes: BUILT_IN,
    });

    expect(definitions).toBeNull();
    expect(problems).toEqual([
      {
        elementId: 'T',
        bpmnType: 'bpmn:ServiceTask',
        message: expect.stringMatching(
          /type 'payment' has no handler: the known service-task types are member-status, noop, notify, notify-members/,
        ),
      },
    ]);
  });

  it('given built-in types, a listed custom type and a FEEL-computed type, when linted, then there is no problem', async () => {
    const xml = processXml(
      [
        '<bpmn:startEvent id="Start"/>',
        '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="A"/>',
        task('A', 'notify'),
        '<bpmn:sequenceFlow id="f2" sourceRef="A" targetRef="B"/>',
        task('B', 'payment'),
        '<bpmn:sequenceFlow id="f3" sourceRef="B" targetRef="C"/>',
        task('C', '=kind'),
        '<bpmn:sequenceFlow id="f4" sourceRef="C" targetRef="End"/>',
        '<bpmn:endEvent id="End"/>',
      ].join(''),
    );

    const { problems } = await lintBpmn(xml, {
      serviceTaskTypes: new Set([...BUILT_IN, 'payment']),
    });

    expect(problems).toEqual([]);
  });

  it('given a task in a subprocess of an unknown type, when linted, then it is named', async () => {
    const sub =
      '<bpmn:subProcess id="T"><bpmn:startEvent id="S1"/><bpmn:sequenceFlow id="s1" sourceRef="S1" targetRef="Inner"/>' +
      task('Inner', 'mystery') +
      '<bpmn:sequenceFlow id="s2" sourceRef="Inner" targetRef="E1"/><bpmn:endEvent id="E1"/></bpmn:subProcess>';

    const { problems } = await lintBpmn(around(sub), { serviceTaskTypes: BUILT_IN });

    expect(problems.map((p) => p.elementId)).toEqual(['Inner']);
  });

  it('given no known types, when linted, then any type passes (the check is opt-in)', async () => {
    const { problems } = await lintBpmn(around(task('T', 'payment')));

    expect(problems).toEqual([]);
  });
});
