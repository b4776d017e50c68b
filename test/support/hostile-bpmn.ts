/**
 * Generated BPMN documents of a given size or shape, as text: the hostile models of issue 13
 * (a flat model of tens of thousands of tasks, sub-processes nested thousands deep, call
 * activities that call themselves) for the lint benchmark, the compiler's specs and the
 * attack tests against the api.
 */
const NAMESPACES =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';

function definitions(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ${NAMESPACES} id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">\n${body}\n</bpmn:definitions>\n`;
}

/** Process `id`: start, `tasks` plain tasks in sequence, end (2 × tasks + 3 flow elements). */
export function flatTasks(id: string, tasks: number): string {
  const parts = ['<bpmn:startEvent id="s"/>'];
  let previous = 's';
  for (let i = 0; i < tasks; i++) {
    parts.push(
      `<bpmn:task id="t${i}"/><bpmn:sequenceFlow id="f${i}" sourceRef="${previous}" targetRef="t${i}"/>`,
    );
    previous = `t${i}`;
  }
  parts.push(
    `<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="fe" sourceRef="${previous}" targetRef="e"/>`,
  );
  return definitions(
    `<bpmn:process id="${id}" isExecutable="true">\n${parts.join('\n')}\n</bpmn:process>`,
  );
}

/** Process `id` whose start leads into `depth` sub-processes, each inside the one before. */
export function nestedSubProcesses(id: string, depth: number): string {
  const open: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(
      `<bpmn:subProcess id="sp${i}"><bpmn:startEvent id="ss${i}"/>` +
        (i + 1 < depth
          ? `<bpmn:sequenceFlow id="fs${i}" sourceRef="ss${i}" targetRef="sp${i + 1}"/>`
          : ''),
    );
  }
  return definitions(
    `<bpmn:process id="${id}" isExecutable="true">` +
      '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="sp0"/>' +
      open.join('') +
      '</bpmn:subProcess>'.repeat(depth) +
      '</bpmn:process>',
  );
}

/**
 * Process `id`: start, a call activity `Call` of `called` (a process id, or `=FEEL`), end.
 * `called` may be a FEEL expression (`=...`), which no deploy-time check can follow.
 */
export function caller(id: string, called: string): string {
  return definitions(
    `<bpmn:process id="${id}" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Call"/>
<bpmn:callActivity id="Call"><bpmn:extensionElements><zeebe:calledElement processId="${called}"/></bpmn:extensionElements></bpmn:callActivity>
<bpmn:sequenceFlow id="f2" sourceRef="Call" targetRef="e"/>
<bpmn:endEvent id="e"/>
</bpmn:process>`,
  );
}
