/**
 * Test support for the compiler specs (imported by *.spec.ts only, never by the library):
 * reads `test/fixtures/lint/<name>`, and wraps a few flow elements into a whole document.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { formatProblem, lintBpmn } from '../index.js';

export const FIXTURES = new URL('../../../../test/fixtures/', import.meta.url);
export const LINT_FIXTURES = new URL('lint/', FIXTURES);

/** The text of `test/fixtures/lint/<name>`. */
export function lintFixture(name: string): string {
  return readFileSync(new URL(name, LINT_FIXTURES), 'utf8');
}

/** Every `*.bpmn` file under `test/fixtures/<folder>`, sorted. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(new URL(folder, FIXTURES))
    .filter((name) => name.endsWith('.bpmn'))
    .sort();
}

export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export const NAMESPACES =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/**
 * A BPMN document with one executable process `p` holding `body`; `before` goes into the
 * definitions ahead of the process (messages, errors, a collaboration).
 */
export function processXml(body: string, before = ''): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<bpmn:definitions ${NAMESPACES} id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`,
    before,
    '<bpmn:process id="p" isExecutable="true">',
    body,
    '</bpmn:process>',
    '</bpmn:definitions>',
  ].join('\n');
}

/** `<bpmn:sequenceFlow>` from `source` to `target`, with an optional condition. */
export function flow(id: string, source: string, target: string, condition?: string): string {
  if (condition === undefined) {
    return `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"/>`;
  }
  return (
    `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}">` +
    `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>` +
    '</bpmn:sequenceFlow>'
  );
}

/** A timer event definition, e.g. `timer('timeDuration', 'P1D')`. */
export function timer(kind: 'timeDate' | 'timeDuration' | 'timeCycle', text: string): string {
  return `<bpmn:timerEventDefinition><bpmn:${kind} xsi:type="bpmn:tFormalExpression">${text}</bpmn:${kind}></bpmn:timerEventDefinition>`;
}

/** Start -> `element` (id T) -> End: a process around one element under test. */
export function around(element: string, extra = ''): string {
  return processXml(
    [
      '<bpmn:startEvent id="Start"/>',
      flow('f1', 'Start', 'T'),
      element,
      flow('f2', 'T', 'End'),
      '<bpmn:endEvent id="End"/>',
      extra,
    ].join('\n'),
  );
}

/** The problems of a document, as `ID (bpmn:Type): message` lines. */
export async function lint(xml: string): Promise<string[]> {
  const { problems } = await lintBpmn(xml);
  return problems.map(formatProblem);
}
