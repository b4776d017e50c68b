/**
 * The real command line, spawned as integrators run it. Every spawn costs a node start and an
 * swc compile (~1.5 s), so they all start at once in beforeAll and each test reads its own.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LINT = 'test/fixtures/lint';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', ...args],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const SCENARIO = {
  process: 'branch-meeting',
  start: { at: '2026-03-02T09:00:00+08:00', variables: { secretary: 'amy', members: ['bob'] } },
  steps: [
    { advance: 'P1D' },
    { complete: 'Activity_Prepare', variables: { approved: true } },
    { complete: 'Activity_Notify', variables: { sent: 1 } },
  ],
};

const NO_OPEN_TASK = {
  start: { at: '2026-03-02T09:00:00+08:00', variables: { secretary: 'amy' } },
  steps: [{ advance: 'PT1H' }, { complete: 'Activity_Notify' }],
};

const SUPPORTED =
  '(supported: StartEvent, EndEvent, IntermediateThrowEvent, IntermediateCatchEvent, ' +
  'BoundaryEvent, UserTask, ServiceTask, Task, ManualTask, SubProcess, CallActivity, ' +
  'ExclusiveGateway, ParallelGateway, InclusiveGateway)';

let dir: string;
let runs: Record<string, Promise<Run>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'branchflow-cli-'));
  await writeFile(join(dir, 'meeting.json'), JSON.stringify(SCENARIO));
  await writeFile(join(dir, 'no-open-task.json'), JSON.stringify(NO_OPEN_TASK));
  await writeFile(join(dir, 'broken.json'), '{ "start": { "at": "2026-03-02T09:00:00+08:00" }, ');
  await writeFile(
    join(dir, 'bad-step.json'),
    JSON.stringify({ start: SCENARIO.start, steps: [{ advance: 'P1D' }, { skip: 'Review' }] }),
  );
  const modeler = `${LINT}/camunda-modeler-export.bpmn`;
  await mkdir(join(dir, 'bad-forms'));
  await writeFile(
    join(dir, 'bad-forms', 'agenda-form.form'),
    JSON.stringify({ components: [{ type: 'slider', key: 'level' }, { type: 'textfield' }] }),
  );
  const payment = join(dir, 'payment.bpmn');
  await writeFile(
    payment,
    (await readFile(modeler, 'utf8')).replace(
      'zeebe:taskDefinition type="notify-members"',
      'zeebe:taskDefinition type="payment"',
    ),
  );
  runs = {
    lintUnknownType: cli('lint', '--forms', `${LINT}/forms`, payment),
    lintListedType: cli(
      'lint',
      '--service-task-types',
      'crm,payment',
      `--forms=${LINT}/forms`,
      payment,
    ),
    lintFormMissing: cli('lint', '--service-task-types', 'payment', payment),
    lintFormInvalid: cli('lint', '--forms', join(dir, 'bad-forms'), modeler),
    lintValid: cli('lint', modeler, `${LINT}/collaboration.bpmn`),
    lintProblems: cli(
      'lint',
      `${LINT}/several-problems.bpmn`,
      modeler,
      `${LINT}/unsupported-elements.bpmn`,
    ),
    lintMissing: cli('lint', `${LINT}/does-not-exist.bpmn`, modeler),
    lintMalformed: cli('lint', `${LINT}/malformed-unclosed-tag.bpmn`),
    simulate: cli('simulate', modeler, join(dir, 'meeting.json')),
    simulateNoOpenTask: cli('simulate', modeler, join(dir, 'no-open-task.json')),
    simulateBrokenJson: cli('simulate', modeler, join(dir, 'broken.json')),
    simulateBadScenario: cli('simulate', modeler, join(dir, 'bad-step.json')),
    simulateBadTemplate: cli(
      'simulate',
      `${LINT}/several-problems.bpmn`,
      join(dir, 'meeting.json'),
    ),
  };
  await Promise.all(Object.values(runs));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (name: string) => runs[name];

describe('cli lint', () => {
  it('given valid files (a Camunda Modeler export, a collaboration), when linted, then exit 0 and nothing is printed', async () => {
    expect(await run('lintValid')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('given several files with problems and one without, when linted, then exit 1 and one FILE: ID (bpmn:Type): message line per problem', async () => {
    const { code, stdout, stderr } = await run('lintProblems');

    expect(code).toBe(1);
    expect(stderr).toBe('');
    const several = `${LINT}/several-problems.bpmn`;
    const unsupported = `${LINT}/unsupported-elements.bpmn`;
    expect(stdout.split('\n')).toEqual([
      `${several}: Review (bpmn:UserTask): unknown attribute 'assigne' (not part of BPMN 2.0 or the zeebe extensions)`,
      `${several}: Review (bpmn:UserTask): unknown element <zeebe:assignmentDefinitions> at line 8 (not part of BPMN 2.0 or the zeebe extensions)`,
      `${several}: f5 (bpmn:SequenceFlow): targetRef 'Archive' does not exist in this document`,
      `${several}: Compute (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`,
      `${several}: Wait (bpmn:IntermediateCatchEvent): timeDuration "3 days" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)`,
      `${several}: Report (bpmn:CallActivity): call activity has no zeebe:calledElement processId (the process to call)`,
      `${several}: fHigh (bpmn:SequenceFlow): condition is not valid FEEL: Incomplete <Comparison> at 8`,
      `${several}: f6 (bpmn:SequenceFlow): sequence flow has no target (sequence flow to nowhere)`,
      `${several}: Stuck (bpmn:ExclusiveGateway): gateway has no outgoing sequence flow`,
      `${several}: Done (bpmn:EndEvent): has no incoming sequence flow, so it can never be reached`,
      `${unsupported}: Script (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`,
      `${unsupported}: Send (bpmn:SendTask): bpmn:SendTask is not supported ${SUPPORTED}`,
      `${unsupported}: Receive (bpmn:ReceiveTask): bpmn:ReceiveTask is not supported ${SUPPORTED}`,
      `${unsupported}: Rules (bpmn:BusinessRuleTask): bpmn:BusinessRuleTask is not supported ${SUPPORTED}`,
      `${unsupported}: Race (bpmn:EventBasedGateway): bpmn:EventBasedGateway is not supported ${SUPPORTED}`,
      `${unsupported}: Reply (bpmn:IntermediateCatchEvent): bpmn:MessageEventDefinition on an intermediate catch event is not supported (supported: bpmn:TimerEventDefinition)`,
      `${unsupported}: Alarm (bpmn:IntermediateThrowEvent): bpmn:SignalEventDefinition on an intermediate throw event is not supported (supported: none intermediate throw event)`,
      `${unsupported}: Repeat (bpmn:Task): bpmn:StandardLoopCharacteristics is not supported (use multi-instance with zeebe:loopCharacteristics)`,
      `${unsupported}: OnError (bpmn:BoundaryEvent): bpmn:ErrorEventDefinition on a boundary event is not supported (supported: bpmn:TimerEventDefinition)`,
      `${unsupported}: Escalate (bpmn:EndEvent): bpmn:EscalationEventDefinition on an end event is not supported (supported: none end event, bpmn:TerminateEventDefinition)`,
      `${unsupported}: OnLate (bpmn:SubProcess): event sub-processes are not supported (supported: embedded SubProcess)`,
      '',
    ]);
  });

  it('given a file that does not exist, when linted, then exit 1 with one line naming it, and the other files are still checked', async () => {
    expect(await run('lintMissing')).toEqual({
      code: 1,
      stdout: `${LINT}/does-not-exist.bpmn: - (file): cannot read: no such file\n`,
      stderr: '',
    });
  });

  it('given a service task of a type neither built in nor named by --service-task-types, when linted, then exit 1 naming element and type; named, exit 0', async () => {
    const { code, stdout, stderr } = await run('lintUnknownType');
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    expect(stdout).toMatch(
      /payment\.bpmn: \S+ \(bpmn:ServiceTask\): zeebe:taskDefinition type 'payment' has no handler: the known service-task types are member-status, noop, notify, notify-members/,
    );
    expect(await run('lintListedType')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('given a user task naming a form that is not in the forms folder (default: forms/ beside the file), when linted, then exit 1 naming task and form', async () => {
    const { code, stdout, stderr } = await run('lintFormMissing');
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    expect(stdout).toBe(
      `${join(dir, 'payment.bpmn')}: Activity_Prepare (bpmn:UserTask): form 'agenda-form' is missing: no ${join(dir, 'forms')}/<id>.form holds it\n`,
    );
  });

  it('given a form that is not valid form-js (an unknown component type, an input without key), when linted, then exit 1 with one line per problem', async () => {
    const { code, stdout, stderr } = await run('lintFormInvalid');
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringContaining(
        `Activity_Prepare (bpmn:UserTask): form 'agenda-form': components[0] (key 'level'): type "slider" is not a form-js component`,
      ),
      expect.stringContaining(
        "form 'agenda-form': components[1]: a textfield needs a `key` that is a variable name",
      ),
    ]);
  });

  it('given malformed XML, when linted, then exit 1 with one clear line and no stack trace', async () => {
    expect(await run('lintMalformed')).toEqual({
      code: 1,
      stdout: `${LINT}/malformed-unclosed-tag.bpmn: Start (bpmn:StartEvent): malformed XML at line 6: closing tag </bpmn:process> does not match <bpmn:startEvent> (line 4)\n`,
      stderr: '',
    });
  });
});

describe('cli simulate', () => {
  it('given a valid template and scenario, when simulated, then exit 0 and stdout is one JSON document with the result keys', async () => {
    const { code, stdout, stderr } = await run('simulate');

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual([
      'state',
      'now',
      'openTasks',
      'incidents',
      'events',
      'variables',
    ]);
    expect(result).toMatchObject({
      state: 'completed',
      now: '2026-03-03T09:00:00+08:00',
      openTasks: [],
      incidents: [],
      variables: { secretary: 'amy', approved: true, notified: 1 },
    });
    expect(result.events).toContainEqual({
      at: '2026-03-03T09:00:00+08:00',
      type: 'timer.fired',
      elementId: 'Event_Remind',
    });
  });

  it('given a step that completes an element without an open task, when simulated, then exit 1 and stderr names the step and the element', async () => {
    const { code, stdout, stderr } = await run('simulateNoOpenTask');

    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toContain('no-open-task.json: step 2: ');
    expect(stderr).toContain("'Activity_Notify'");
    expect(stderr).toContain('open tasks: Activity_Prepare');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('given a scenario file that is not JSON, when simulated, then exit 1 and stderr says so', async () => {
    const { code, stdout, stderr } = await run('simulateBrokenJson');

    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/broken\.json: not valid JSON: .+\n$/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('given a scenario with a step of no known kind, when simulated, then exit 1 and stderr names the file and the step', async () => {
    const { code, stdout, stderr } = await run('simulateBadScenario');

    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/^\S*bad-step\.json: step 2 .*"complete", "advance", "advanceTo".*\n$/);
  });

  it('given an invalid template, when simulated, then exit 1 and stderr lists its problems', async () => {
    const { code, stdout, stderr } = await run('simulateBadTemplate');
    const template = `${LINT}/several-problems.bpmn`;

    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe(`${template}: the template is invalid:`);
    expect(lines).toHaveLength(11);
    expect(lines).toContain(
      `${template}: Compute (bpmn:ScriptTask): bpmn:ScriptTask is not supported ${SUPPORTED}`,
    );
  });
});
