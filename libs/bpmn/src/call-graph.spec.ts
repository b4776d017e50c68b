import { describe, expect, it } from '@jest/globals';
import { caller } from '../../../test/support/hostile-bpmn.js';
import { callCycleProblems, formatProblem, lintBpmn } from './index.js';

/** Two processes of one document, `a` calling `b` and `b` calling `calledByB`. */
function pair(calledByB: string): string {
  const a = caller('a', 'b');
  const b = caller('b', calledByB)
    .replace(/^[\s\S]*?(<bpmn:process)/, '$1')
    .replace(/<\/bpmn:definitions>\s*$/, '')
    .replace(/id="(s|f1|f2|Call|e)"/g, 'id="b_$1"')
    .replace(/Ref="(s|Call|e)"/g, 'Ref="b_$1"');
  return a.replace('</bpmn:definitions>', `${b}</bpmn:definitions>`);
}

describe('static call cycles', () => {
  it('given a call activity calling its own process, when linted, then it is refused naming the call activity', async () => {
    const { problems, definitions } = await lintBpmn(caller('self', 'self'));

    expect(problems.map(formatProblem)).toEqual([
      "Call (bpmn:CallActivity): call activity 'Call' calls its own process 'self': it would call itself until the call depth limit (cycles of static calls are refused; a FEEL processId is checked at run time)",
    ]);
    expect(definitions).toBeNull();
  });

  it('given two processes calling each other, when linted, then each call activity is refused naming the cycle', async () => {
    const { problems } = await lintBpmn(pair('a'));

    expect(problems.map(formatProblem)).toEqual([
      "Call (bpmn:CallActivity): call activity 'Call' starts a cycle of calls back to process 'a': a (Call) → b (b_Call) → a (cycles of static calls are refused; a FEEL processId is checked at run time)",
      "b_Call (bpmn:CallActivity): call activity 'b_Call' starts a cycle of calls back to process 'b': b (b_Call) → a (Call) → b (cycles of static calls are refused; a FEEL processId is checked at run time)",
    ]);
  });

  it('given a chain without a cycle, or a FEEL-computed process id, when linted, then there is no problem', async () => {
    expect((await lintBpmn(pair('elsewhere'))).problems).toEqual([]);
    expect((await lintBpmn(caller('self', '=&quot;self&quot;'))).problems).toEqual([]);
  });

  it('given a cycle through processes deployed before, when checked, then only the checked processes are named', () => {
    const problems = callCycleProblems(
      [
        { processId: 'new', elementId: 'CallOld', calledProcessId: 'old' },
        { processId: 'old', elementId: 'CallOther', calledProcessId: 'other' },
        { processId: 'other', elementId: 'CallNew', calledProcessId: 'new' },
        { processId: 'other', elementId: 'CallOld2', calledProcessId: 'old' },
      ],
      ['new'],
    );

    expect(problems.map(formatProblem)).toEqual([
      "CallOld (bpmn:CallActivity): call activity 'CallOld' starts a cycle of calls back to process 'new': new (CallOld) → old (CallOther) → other (CallNew) → new (cycles of static calls are refused; a FEEL processId is checked at run time)",
    ]);
  });
});
