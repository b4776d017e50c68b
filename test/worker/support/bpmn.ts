/** BPMN documents for the worker suites (service tasks, schedules, timers), built as text. */
const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** start -> nodes in order -> end */
function chain(id: string, nodes: readonly string[]): string {
  const ids = ['Start', ...nodes.map((node) => /id="([^"]+)"/.exec(node)![1]), 'End'];
  const flows = ids
    .slice(1)
    .map(
      (target, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${ids[i]}" targetRef="${target}"/>`,
    );
  return `${HEAD}\n<bpmn:process id="${id}" isExecutable="true">\n${[
    `<bpmn:startEvent id="Start"/>`,
    ...nodes,
    `<bpmn:endEvent id="End"/>`,
    ...flows,
  ].join('\n')}\n</bpmn:process>\n</bpmn:definitions>\n`;
}

function serviceTask(type: string, headers: Record<string, string> = {}): string {
  const entries = Object.entries(headers);
  const headerXml =
    entries.length === 0
      ? ''
      : `<zeebe:taskHeaders>${entries
          .map(([key, value]) => `<zeebe:header key="${escape(key)}" value="${escape(value)}"/>`)
          .join('')}</zeebe:taskHeaders>`;
  return `<bpmn:serviceTask id="Work" name="Work"><bpmn:extensionElements><zeebe:taskDefinition type="${escape(type)}"/>${headerXml}</bpmn:extensionElements></bpmn:serviceTask>`;
}

function timer(duration: string): string {
  return `<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>${duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`;
}

export interface UserTaskSpec {
  readonly name?: string;
  readonly assignee?: string;
  readonly candidateGroups?: readonly string[];
  readonly dueDate?: string;
}

function userTask(spec: UserTaskSpec): string {
  const assignment =
    spec.assignee || spec.candidateGroups
      ? `<zeebe:assignmentDefinition${spec.assignee ? ` assignee="${escape(spec.assignee)}"` : ''}${
          spec.candidateGroups ? ` candidateGroups="${escape(spec.candidateGroups.join(','))}"` : ''
        }/>`
      : '';
  const schedule = spec.dueDate ? `<zeebe:taskSchedule dueDate="${escape(spec.dueDate)}"/>` : '';
  return `<bpmn:userTask id="Task" name="${escape(spec.name ?? 'Task')}"><bpmn:extensionElements>${assignment}${schedule}</bpmn:extensionElements></bpmn:userTask>`;
}

export const flows = {
  /** start -> service task `Work` of the given job type -> end */
  service: (id: string, type: string, headers?: Record<string, string>) =>
    chain(id, [serviceTask(type, headers)]),
  /** start -> user task `Task` -> end */
  userTask: (id: string, spec: UserTaskSpec) => chain(id, [userTask(spec)]),
  /** start -> timer catch `Wait` -> end */
  timer: (id: string, duration: string) => chain(id, [timer(duration)]),
  /** start -> timer catch `Wait` -> service task `Work` -> end */
  timerThenService: (id: string, duration: string, type: string) =>
    chain(id, [timer(duration), serviceTask(type)]),
  /** start -> timer catch `Wait` -> user task `Task` -> end */
  timerThenUserTask: (id: string, duration: string, spec: UserTaskSpec = {}) =>
    chain(id, [timer(duration), userTask(spec)]),
};
