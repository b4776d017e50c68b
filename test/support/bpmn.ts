/** Small BPMN documents for integration tests, built as text. */
const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

function doc(id: string, body: string): string {
  return `${HEAD}\n<bpmn:process id="${id}" isExecutable="true">\n${body}\n</bpmn:process>\n</bpmn:definitions>\n`;
}

function userTask(id: string, extensions = ''): string {
  return `<bpmn:userTask id="${id}" name="${id}">${extensions ? `<bpmn:extensionElements>${extensions}</bpmn:extensionElements>` : ''}</bpmn:userTask>`;
}

export const bpmn = {
  /** start -> tasks in order -> end */
  sequence(id: string, tasks: readonly string[]): string {
    const nodes = ['Start', ...tasks, 'End'];
    const flows = nodes
      .slice(1)
      .map(
        (target, i) =>
          `<bpmn:sequenceFlow id="f${i}" sourceRef="${nodes[i]}" targetRef="${target}"/>`,
      );
    return doc(
      id,
      [
        `<bpmn:startEvent id="Start"/>`,
        ...tasks.map((task) => userTask(task)),
        `<bpmn:endEvent id="End"/>`,
        ...flows,
      ].join('\n'),
    );
  },
  /** start -> fork -> one task per branch -> join -> after -> end */
  parallel(id: string, branches: readonly string[], after: string): string {
    const parts = [
      `<bpmn:startEvent id="Start"/>`,
      `<bpmn:sequenceFlow id="f0" sourceRef="Start" targetRef="Fork"/>`,
      `<bpmn:parallelGateway id="Fork"/>`,
      `<bpmn:parallelGateway id="Join"/>`,
      userTask(after),
      `<bpmn:endEvent id="End"/>`,
      `<bpmn:sequenceFlow id="fj" sourceRef="Join" targetRef="${after}"/>`,
      `<bpmn:sequenceFlow id="fe" sourceRef="${after}" targetRef="End"/>`,
    ];
    branches.forEach((branch, i) => {
      parts.push(userTask(branch));
      parts.push(`<bpmn:sequenceFlow id="fa${i}" sourceRef="Fork" targetRef="${branch}"/>`);
      parts.push(`<bpmn:sequenceFlow id="fb${i}" sourceRef="${branch}" targetRef="Join"/>`);
    });
    return doc(id, parts.join('\n'));
  },
  /** start -> timer catch (duration) -> After -> end */
  timerThenTask(id: string, duration: string): string {
    return doc(
      id,
      [
        `<bpmn:startEvent id="Start"/>`,
        `<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>${duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`,
        userTask('After'),
        `<bpmn:endEvent id="End"/>`,
        `<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Wait"/>`,
        `<bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="After"/>`,
        `<bpmn:sequenceFlow id="f3" sourceRef="After" targetRef="End"/>`,
      ].join('\n'),
    );
  },
};
