import { describe, expect, it } from '@jest/globals';
import { flatTasks, nestedSubProcesses } from '../../../test/support/hostile-bpmn.js';
import { formatProblem, lintBpmn } from './index.js';
import { processXml } from './testing/fixtures.js';

describe('size limits of a template', () => {
  it('given 20,000 nested sub-processes, when linted, then one problem names the depth limit before the document is parsed', async () => {
    const { problems, definitions } = await lintBpmn(nestedSubProcesses('deep', 20_000));

    expect(problems.map(formatProblem)).toEqual([
      '- (bpmn:Definitions): elements nest more than 48 levels deep (at <bpmn:subProcess id="sp46">): sub-processes may nest 32 deep (the limit, TEMPLATE_MAX_DEPTH)',
    ]);
    expect(definitions).toBeNull();
  });

  it('given 40 nested sub-processes (few XML levels more than the limit), when linted, then the compiler names the first too deep', async () => {
    const { problems, definitions } = await lintBpmn(nestedSubProcesses('deep', 40));

    expect(problems.map(formatProblem)).toEqual([
      'sp32 (bpmn:SubProcess): sub-processes nest deeper than 32 levels (the limit, TEMPLATE_MAX_DEPTH): this one is at level 33',
    ]);
    expect(definitions).toBeNull();
  });

  it('given sub-processes nested exactly to the limit, when linted, then it compiles', async () => {
    const { problems } = await lintBpmn(nestedSubProcesses('deep', 4), { maxDepth: 4 });

    expect(problems).toEqual([]);
  });

  it('given 48,000 flat tasks, when linted, then they are refused before parsing, naming the element limit', async () => {
    const { problems } = await lintBpmn(flatTasks('wide', 48_000));

    expect(problems.map(formatProblem)).toEqual([
      '- (bpmn:Definitions): the document has more than 60000 XML elements outside the diagram, far more than 10000 flow elements (the limit, TEMPLATE_MAX_ELEMENTS)',
    ]);
  });

  it('given more flow elements than the limit, when linted, then one problem names the limit and the count', async () => {
    const { problems, definitions } = await lintBpmn(flatTasks('wide', 100), { maxElements: 200 });

    expect(problems.map(formatProblem)).toEqual([
      'wide (bpmn:Process): the document has 203 flow elements; at most 200 are allowed (the limit, TEMPLATE_MAX_ELEMENTS)',
    ]);
    expect(definitions).toBeNull();
  });

  it('given a flat model of 4,000 tasks within the limits, when compiled, then every task is chained in order', async () => {
    const { problems, definitions } = await lintBpmn(flatTasks('wide', 4_000));

    expect(problems).toEqual([]);
    const graph = definitions?.processes.wide;
    expect(Object.keys(graph?.nodes ?? {})).toHaveLength(4_002);
    expect(graph?.nodes.t3999).toMatchObject({ incoming: ['f3999'], outgoing: ['fe'] });
  });

  it('given thousands of problems, when linted, then the first ones are listed and one more line counts the rest', async () => {
    const tasks = Array.from({ length: 1_000 }, (_, i) => `<bpmn:scriptTask id="x${i}"/>`);
    const { problems } = await lintBpmn(
      processXml(['<bpmn:startEvent id="s"/>', ...tasks].join('')),
      {
        maxProblems: 50,
      },
    );

    expect(problems).toHaveLength(51);
    expect(problems[50]?.message).toBe('950 more problems are not listed (the first 50 are)');
  });

  it('given thousands of elements moddle cannot read, when linted, then only the first are placed in the text', async () => {
    const unknown = Array.from({ length: 500 }, (_, i) => `<bpmn:noSuchThing id="n${i}"/>`);
    const { problems } = await lintBpmn(
      processXml(['<bpmn:startEvent id="s"/>', ...unknown].join('\n')),
    );

    expect(problems.filter((p) => p.message.startsWith('unknown element'))).toHaveLength(20);
    expect(problems.map((p) => p.message)).toContain(
      '480 more parts of the document could not be read (the first 20 are listed)',
    );
  });
});
