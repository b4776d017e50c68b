import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { BpmnModdle } from 'bpmn-moddle';
import { lintBpmn } from './compile.js';
import { parseBpmnXml } from './parse.js';
import {
  NAMESPACES,
  around,
  fixtureNames,
  fixtureText,
  flow,
  lint,
  lintFixture,
  processXml,
} from './testing/fixtures.js';

const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

describe('parsing a well-formed document', () => {
  it('given a minimal process, when parsed, then it yields the definitions and no problems', async () => {
    const parsed = await parseBpmnXml(
      processXml(
        [
          '<bpmn:startEvent id="Start"/>',
          flow('f1', 'Start', 'End'),
          '<bpmn:endEvent id="End"/>',
        ].join('\n'),
      ),
    );

    expect(parsed.problems).toEqual([]);
    expect(parsed.unresolved).toEqual([]);
    expect(parsed.definitions?.$type).toBe('bpmn:Definitions');
    expect(parsed.definitions?.id).toBe('Defs');
  });

  it('given a reference to an id that does not exist, when parsed, then the reference is one problem and is listed as unresolved', async () => {
    const parsed = await parseBpmnXml(
      processXml(['<bpmn:startEvent id="Start"/>', flow('f1', 'Start', 'Nowhere')].join('\n')),
    );

    expect(parsed.problems).toEqual([
      {
        elementId: 'f1',
        bpmnType: 'bpmn:SequenceFlow',
        message: "targetRef 'Nowhere' does not exist in this document",
      },
    ]);
    expect(parsed.unresolved.map((r) => [r.element.id, r.property])).toEqual([
      ['f1', 'bpmn:targetRef'],
    ]);
  });

  it('given the BPMN namespace as default namespace, when linted, then types are named bpmn:*', async () => {
    const xml = [
      `<definitions xmlns="${BPMN}" id="Defs" targetNamespace="x">`,
      '<process id="p" isExecutable="true">',
      '<startEvent id="Start"/><sequenceFlow id="f1" sourceRef="Start" targetRef="T"/>',
      '<task id="T"><extensionElements><fooBar/></extensionElements></task>',
      '</process></definitions>',
    ].join('\n');

    expect(await lint(xml)).toEqual([
      'T (bpmn:Task): unknown element <fooBar> at line 4 (not part of BPMN 2.0 or the zeebe extensions)',
    ]);
  });

  it('given another prefix for the BPMN namespace, when an element is unreadable, then its type still says bpmn:', async () => {
    const xml = [
      `<bpmn2:definitions xmlns:bpmn2="${BPMN}" id="Defs" targetNamespace="x">`,
      '<bpmn2:process id="p" isExecutable="true">',
      '<bpmn2:startEvent id="Start"/>',
      '<bpmn2:endEvent id="Start"/>',
      '</bpmn2:process></bpmn2:definitions>',
    ].join('\n');

    expect(await lint(xml)).toEqual([
      "Start (bpmn:EndEvent): id 'Start' at line 4 is already used by another element (ids must be unique)",
    ]);
  });
});

describe('moddle warnings become problems that name an element', () => {
  it('given an unknown attribute in the BPMN namespace, when linted, then it names the element', async () => {
    expect(await lint(around('<bpmn:task id="T" nmae="Review"/>'))).toEqual([
      "T (bpmn:Task): unknown attribute 'nmae' (not part of BPMN 2.0 or the zeebe extensions)",
    ]);
  });

  it('given an unknown zeebe attribute on a task, when linted, then it names the task', async () => {
    expect(await lint(around('<bpmn:task id="T" zeebe:assignee="amy"/>'))).toEqual([
      "T (bpmn:Task): unknown attribute 'zeebe:assignee' (not part of BPMN 2.0 or the zeebe extensions)",
    ]);
  });

  it('given an unknown attribute on a zeebe extension element (no id), when linted, then it names the enclosing task', async () => {
    const task =
      '<bpmn:userTask id="T"><bpmn:extensionElements>' +
      '<zeebe:assignmentDefinition asignee="amy"/>' +
      '</bpmn:extensionElements></bpmn:userTask>';

    expect(await lint(around(task))).toEqual([
      "T (bpmn:UserTask): unknown attribute 'asignee' on zeebe:AssignmentDefinition (not part of BPMN 2.0 or the zeebe extensions)",
    ]);
  });

  it('given an unknown zeebe extension element inside a task, when linted, then the problem names the task, the tag and the line', async () => {
    const task = [
      '<bpmn:userTask id="T">',
      '  <bpmn:extensionElements>',
      '    <zeebe:assignment assignee="amy"/>',
      '  </bpmn:extensionElements>',
      '</bpmn:userTask>',
    ].join('\n');

    expect(await lint(around(task))).toEqual([
      'T (bpmn:UserTask): unknown element <zeebe:assignment> at line 9 (not part of BPMN 2.0 or the zeebe extensions)',
    ]);
  });

  it('given an unknown zeebe extension element inside a sequence flow, when linted, then it names the flow', async () => {
    const xml = processXml(
      [
        '<bpmn:startEvent id="Start"/>',
        '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="End">',
        '<bpmn:extensionElements><zeebe:condition/></bpmn:extensionElements>',
        '</bpmn:sequenceFlow>',
        '<bpmn:endEvent id="End"/>',
      ].join('\n'),
    );

    expect(await lint(xml)).toEqual([
      'f1 (bpmn:SequenceFlow): unknown element <zeebe:condition> at line 7 (not part of BPMN 2.0 or the zeebe extensions)',
    ]);
  });

  it('given an unknown BPMN element with an id, when linted, then it is one problem, and the flows to and from it are not reported again', async () => {
    expect(await lint(around('<bpmn:userTaks id="T"/>'))).toEqual([
      'T (bpmn:UserTaks): unknown element <bpmn:userTaks> at line 7 (not part of BPMN 2.0 or the zeebe extensions)',
    ]);
  });

  it('given an element in a place where BPMN does not allow it, when linted, then it says where', async () => {
    const task =
      '<bpmn:userTask id="T"><zeebe:assignmentDefinition assignee="amy"/></bpmn:userTask>';

    expect(await lint(around(task))).toEqual([
      'T (bpmn:UserTask): <zeebe:assignmentDefinition> at line 7 is not allowed inside <bpmn:userTask>',
    ]);
  });

  it('given two elements with one id, when linted, then the second one is named with its own type and line', async () => {
    expect(await lint(around('<bpmn:task id="T"/>\n<bpmn:endEvent id="T"/>'))).toEqual([
      "T (bpmn:EndEvent): id 'T' at line 8 is already used by another element (ids must be unique)",
    ]);
  });

  it('given an attribute with an undeclared prefix, when linted, then it names the element', async () => {
    expect(await lint(around('<bpmn:task id="T" party:level="1"/>'))).toEqual([
      'T (bpmn:Task): unparsable content at line 7: missing namespace for prefix <party>',
    ]);
  });

  it('given CRLF line ends, when an element is unreadable, then the line is still right', async () => {
    const xml = around(
      '<bpmn:task id="T">\n<bpmn:extensionElements><zeebe:nope/></bpmn:extensionElements></bpmn:task>',
    );

    expect(await lint(xml.replace(/\n/g, '\r\n'))).toEqual([
      'T (bpmn:Task): unknown element <zeebe:nope> at line 8 (not part of BPMN 2.0 or the zeebe extensions)',
    ]);
  });
});

describe('attributes in foreign namespaces', () => {
  it('given modeler: and DI colour attributes, when linted, then they are ignored; camunda: and custom attributes and foreign extension elements are refused (issue 13: nothing accepted but ignored)', async () => {
    const { problems } = await lintBpmn(lintFixture('foreign-attributes.bpmn'));

    expect(
      problems.map((p) => `${p.elementId}: ${p.message.split(/ is (?!a Camunda)/)[0]}`),
    ).toEqual([
      'Foreign: attribute party:owner (namespace https://example.org/party-building/1.0)',
      'foreign-attributes: this is a Camunda 7 model: attribute camunda:historyTimeToLive',
      'foreign-attributes: attribute party:category (namespace https://example.org/party-building/1.0)',
      'Start: attribute party:icon (namespace https://example.org/party-building/1.0)',
      'f1: attribute party:weight (namespace https://example.org/party-building/1.0)',
      'Review: this is a Camunda 7 model: extension element <camunda:properties>',
      'Review: extension element <party:checklist> (namespace https://example.org/party-building/1.0)',
      'Review: this is a Camunda 7 model: attribute camunda:asyncBefore',
      'Review: attribute party:level (namespace https://example.org/party-building/1.0)',
      'Review: attribute party:note (namespace https://example.org/party-building/1.0) on zeebe:assignmentDefinition',
    ]);
    expect(problems.some((p) => /modeler:|bioc:|color:/.test(p.message))).toBe(false);
  });

  it('given a foreign namespace bound to the prefix zeebe, when linted, then its attributes are not problems', async () => {
    const xml = around(
      '<bpmn:task id="T" xmlns:zeebe="https://example.org/not-zeebe" zeebe:x="1"/>',
    );

    expect(await lint(xml)).toEqual([]);
  });

  it('given an unknown attribute on a DI shape, when linted, then it is ignored like the rest of the diagram', async () => {
    const xml = around('<bpmn:task id="T"/>').replace(
      '</bpmn:definitions>',
      '<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="D">' +
        '<bpmndi:BPMNPlane id="P" bpmnElement="p"><bpmndi:BPMNShape id="S" bpmnElement="T" shade="dark"/></bpmndi:BPMNPlane>' +
        '</bpmndi:BPMNDiagram></bpmn:definitions>',
    );

    expect(await lint(xml)).toEqual([]);
  });
});

describe('a document that is not (well-formed) BPMN XML', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['an empty file', '', '- (bpmn:Definitions): the document is empty'],
    ['only blanks', '  \n\t\n', '- (bpmn:Definitions): the document is empty'],
    [
      'plain text',
      'this is not a BPMN file',
      '- (bpmn:Definitions): malformed XML: the document is not XML (no root element)',
    ],
    [
      'JSON',
      '{"definitions": []}',
      '- (bpmn:Definitions): malformed XML: the document is not XML (no root element)',
    ],
    [
      'an unclosed tag',
      [
        '<?xml version="1.0"?>',
        `<bpmn:definitions xmlns:bpmn="${BPMN}" id="D">`,
        '<bpmn:process id="p" isExecutable="true">',
        '<bpmn:startEvent id="Start">',
        '</bpmn:process>',
        '</bpmn:definitions>',
      ].join('\n'),
      'Start (bpmn:StartEvent): malformed XML at line 5: closing tag </bpmn:process> does not match <bpmn:startEvent> (line 4)',
    ],
    [
      'a truncated file',
      [
        '<?xml version="1.0"?>',
        `<bpmn:definitions xmlns:bpmn="${BPMN}" id="D">`,
        '<bpmn:process id="p" isExecutable="true">',
        '<bpmn:startEvent id="Start"/>',
      ].join('\n'),
      'p (bpmn:Process): malformed XML: unexpected end of file, <bpmn:process> (line 3) is not closed',
    ],
    [
      'a tag cut in the middle',
      `<bpmn:definitions xmlns:bpmn="${BPMN}" id="D"><bpmn:process id="p" isExec`,
      'p (bpmn:Process): malformed XML at line 1: unclosed tag',
    ],
    [
      'a root element that is not bpmn:definitions',
      `<?xml version="1.0"?>\n<bpmn:process xmlns:bpmn="${BPMN}" id="p" isExecutable="true"/>`,
      `- (bpmn:Definitions): not a BPMN 2.0 document: the root element is <bpmn:process>, expected <bpmn:definitions> in the namespace ${BPMN}`,
    ],
    [
      'an HTML page',
      '<html><body><p>Not found</p></body></html>',
      `- (bpmn:Definitions): not a BPMN 2.0 document: the root element is <html>, expected <bpmn:definitions> in the namespace ${BPMN}`,
    ],
    [
      'definitions without the BPMN namespace',
      '<definitions id="D"><process id="p" isExecutable="true"/></definitions>',
      `- (bpmn:Definitions): not a BPMN 2.0 document: the root element is <definitions>, expected <bpmn:definitions> in the namespace ${BPMN}`,
    ],
  ];

  it.each(cases)(
    'given %s, when linted, then it is exactly one clear problem',
    async (_, xml, line) => {
      const { problems, definitions } = await lintBpmn(xml);

      expect(definitions).toBeNull();
      expect(problems.map((p) => `${p.elementId} (${p.bpmnType}): ${p.message}`)).toEqual([line]);
      expect(problems[0]?.message).not.toMatch(/\n|\bat [\w.]+ \(|Error:/);
    },
  );
});

describe('damaged copies of a real export', () => {
  it('given the Camunda Modeler export cut short or with 5 characters deleted at every 41st position, when linted, then it never throws and every problem is one line', async () => {
    const xml = lintFixture('camunda-modeler-export.bpmn');
    let checked = 0;
    for (let at = 0; at < xml.length; at += 41) {
      for (const damaged of [xml.slice(0, at), xml.slice(0, at) + xml.slice(at + 5)]) {
        const { problems } = await lintBpmn(damaged);
        for (const p of problems) {
          expect(p.message).toMatch(/^[^\n]+$/);
          expect(p.elementId).toMatch(/^\S+$/);
          expect(p.bpmnType).toMatch(/^[a-z]+:[A-Z][\w.-]*$/);
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(150);
  }, 30_000);
});

describe('round trip through bpmn-moddle toXML', () => {
  const require = createRequire(import.meta.url);
  const moddle = new BpmnModdle({
    zeebe: require('zeebe-bpmn-moddle/resources/zeebe.json') as object,
  });
  const files = [
    ...fixtureNames('lint').map((name) => `lint/${name}`),
    'smoke.bpmn',
    ...fixtureNames('engine').map((name) => `engine/${name}`),
  ];
  /** Lint fixtures that are broken on purpose, below what a round trip can keep. */
  const UNREADABLE = ['lint/malformed-unclosed-tag.bpmn', 'lint/several-problems.bpmn'];

  it('given the lint fixtures, when parsed, then only the ones broken on purpose have moddle warnings', async () => {
    const broken: string[] = [];
    for (const file of files) {
      const parsed = await parseBpmnXml(fixtureText(file));
      const fromModdle = parsed.problems.length > 0 || parsed.definitions === null;
      if (fromModdle && file.startsWith('lint/')) broken.push(file);
    }
    expect(broken).toEqual(UNREADABLE);
  });

  it.each(files.filter((file) => !UNREADABLE.includes(file)))(
    'given %s, when parsed, written with toXML and parsed again, then there are no warnings and the same lint result',
    async (file) => {
      const xml = fixtureText(file);
      const first = await moddle.fromXML(xml, 'bpmn:Definitions');
      expect(first.warnings).toEqual([]);

      const { xml: written } = await moddle.toXML(first.rootElement, { format: true });
      const second = await moddle.fromXML(written, 'bpmn:Definitions');

      expect(second.warnings).toEqual([]);
      expect(Object.keys(second.elementsById ?? {}).sort()).toEqual(
        Object.keys(first.elementsById ?? {}).sort(),
      );
      expect(await lint(written)).toEqual(await lint(xml));
    },
  );

  it('given the Camunda Modeler export, when written again, then the modeler: attributes and namespace survive', async () => {
    const first = await moddle.fromXML(
      lintFixture('camunda-modeler-export.bpmn'),
      'bpmn:Definitions',
    );
    const { xml } = await moddle.toXML(first.rootElement);

    expect(xml).toContain('xmlns:modeler="http://camunda.org/schema/modeler/1.0"');
    expect(xml).toContain('modeler:executionPlatform="Camunda Cloud"');
    expect(xml).toContain(NAMESPACES.split(' ')[1]);
  });
});
