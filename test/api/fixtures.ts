/** BPMN documents and forms for the api suites, built as text. */
const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

function definitions(...processes: string[]): string {
  return `${HEAD}\n${processes.join('\n')}\n</bpmn:definitions>\n`;
}

function process(id: string, body: string): string {
  return `<bpmn:process id="${id}" isExecutable="true">\n${body}\n</bpmn:process>`;
}

function line(nodes: readonly string[], prefix = 'f'): string {
  return nodes
    .slice(1)
    .map(
      (target, i) =>
        `<bpmn:sequenceFlow id="${prefix}${i}" sourceRef="${nodes[i]}" targetRef="${target}"/>`,
    )
    .join('\n');
}

function userTask(id: string, extensions = ''): string {
  return `<bpmn:userTask id="${id}" name="${id} step">${
    extensions ? `<bpmn:extensionElements>${extensions}</bpmn:extensionElements>` : ''
  }</bpmn:userTask>`;
}

export const fixtures = {
  /** start -> user tasks in order -> end */
  sequence(id: string, tasks: readonly string[]): string {
    return definitions(
      process(
        id,
        [
          `<bpmn:startEvent id="Start"/>`,
          ...tasks.map((task) => userTask(task)),
          `<bpmn:endEvent id="End"/>`,
          line(['Start', ...tasks, 'End']),
        ].join('\n'),
      ),
    );
  },

  /** One file, two executable processes. */
  twoProcesses(first: string, second: string): string {
    const body = (task: string) =>
      [
        `<bpmn:startEvent id="Start_${task}"/>`,
        userTask(task),
        `<bpmn:endEvent id="End_${task}"/>`,
        line([`Start_${task}`, task, `End_${task}`], `f${task}_`),
      ].join('\n');
    return definitions(process(first, body('A')), process(second, body('B')));
  },

  /**
   * Review (assignee, two candidate groups, due in two days, form `formId`) -> Approve
   * (candidate group `committee-<tag>`, no due date) -> end.
   */
  review(id: string, tag: string, formId: string, assignee = `li-${tag}`): string {
    return definitions(
      process(
        id,
        [
          `<bpmn:startEvent id="Start"/>`,
          userTask(
            'Review',
            `<zeebe:assignmentDefinition assignee="${assignee}" candidateGroups="branch-a-${tag}, branch-b-${tag}"/>` +
              `<zeebe:taskSchedule dueDate="P2D"/>` +
              `<zeebe:formDefinition formId="${formId}"/>`,
          ),
          userTask('Approve', `<zeebe:assignmentDefinition candidateGroups="committee-${tag}"/>`),
          `<bpmn:endEvent id="End"/>`,
          line(['Start', 'Review', 'Approve', 'End']),
        ].join('\n'),
      ),
    );
  },

  /** start -> service task (a job for the worker) -> end */
  service(id: string): string {
    return definitions(
      process(
        id,
        [
          `<bpmn:startEvent id="Start"/>`,
          `<bpmn:serviceTask id="Job"><bpmn:extensionElements><zeebe:taskDefinition type="notify"/></bpmn:extensionElements></bpmn:serviceTask>`,
          `<bpmn:endEvent id="End"/>`,
          line(['Start', 'Job', 'End']),
        ].join('\n'),
      ),
    );
  },

  /** An exclusive gateway on `score`: started without it, the instance has an incident. */
  gateway(id: string): string {
    return definitions(
      process(
        id,
        [
          `<bpmn:startEvent id="Start"/>`,
          `<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Decide"/>`,
          `<bpmn:exclusiveGateway id="Decide"/>`,
          `<bpmn:sequenceFlow id="fYes" sourceRef="Decide" targetRef="Pass"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=score &gt;= 60</bpmn:conditionExpression></bpmn:sequenceFlow>`,
          `<bpmn:sequenceFlow id="fNo" sourceRef="Decide" targetRef="Fail"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=score &lt; 60</bpmn:conditionExpression></bpmn:sequenceFlow>`,
          userTask('Pass'),
          userTask('Fail'),
          `<bpmn:endEvent id="End"/>`,
          `<bpmn:sequenceFlow id="f2" sourceRef="Pass" targetRef="End"/>`,
          `<bpmn:sequenceFlow id="f3" sourceRef="Fail" targetRef="End"/>`,
        ].join('\n'),
      ),
    );
  },

  /** A sequence flow that points nowhere and an unsupported element. */
  invalid(id: string): string {
    return definitions(
      process(
        id,
        [
          `<bpmn:startEvent id="Start"/>`,
          `<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Nowhere"/>`,
          `<bpmn:scriptTask id="Script"/>`,
        ].join('\n'),
      ),
    );
  },
};

/** A form-js form: the review record a secretary fills in. */
export const reviewForm = {
  id: 'review-record',
  type: 'default',
  schemaVersion: 16,
  components: [
    { type: 'textfield', key: 'summary', label: 'Summary', validate: { required: true } },
    {
      type: 'number',
      key: 'attendance',
      label: 'Attendance',
      validate: { required: true, min: 0 },
    },
    { type: 'checkbox', key: 'approved', label: 'Approved' },
    {
      type: 'select',
      key: 'rating',
      label: 'Rating',
      values: [
        { label: 'Good', value: 'good' },
        { label: 'Poor', value: 'poor' },
      ],
    },
    {
      type: 'checklist',
      key: 'topics',
      label: 'Topics',
      values: [
        { label: 'Study', value: 'study' },
        { label: 'Criticism', value: 'criticism' },
      ],
    },
    { type: 'text', text: '# Notes' },
  ],
};
