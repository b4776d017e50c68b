/**
 * process-templates/political-birthday.bpmn — 政治生日, the eight fixed steps in order, walked
 * in memory with the simulated clock; the photo of step 8 is checked against the real form.
 */
import { describe, expect, it } from '@jest/globals';
import { type ScenarioStep, type Variables, ScenarioError } from '@app/engine';
import { TemplateWalk } from './support/template-harness.js';

const KEY = 'political-birthday';
const template = new TemplateWalk(KEY, '2026-07-01T00:00:00+08:00');
const context = () => template.context();
const problems = (formId: string, submitted: Variables, current: Variables = {}) =>
  template.problems(formId, submitted, current);
/** Runs a scenario from 2026-07-01T00:00:00+08:00; each user-task completion must first pass its form. */
const walk = (steps: readonly ScenarioStep[], start: Variables = START) =>
  template.walk(start, steps);

const MEMBER = '7d0c6f8e-3b1a-4c55-9a42-0f3e2d1c9b88';
const START: Variables = {
  memberId: MEMBER,
  memberName: '王红',
  admissionDate: '2001-07-15',
  year: 2026,
  branchId: 'branch-7',
  orgUnitId: 'branch-7',
};

/** The eight steps of DOMAIN Template 3, in order, as element id and name. */
const STEPS: readonly (readonly [string, string])[] = [
  ['Task_Step1_Introduction', '1 主持人介绍情况'],
  ['Task_Step2_RereadApplication', '2 重读入党申请书'],
  ['Task_Step3_ShareAspiration', '3 畅谈入党初心'],
  ['Task_Step4_ReviewMoments', '4 回顾重要点滴'],
  ['Task_Step5_Wishes', '5 寄语再接再厉'],
  ['Task_Step6_Oath', '6 重温入党誓词'],
  ['Task_Step7_Song', '7 歌唱《我的祖国》'],
  ['Task_Step8_Photo', '8 定格珍贵瞬间'],
];

const VARIABLES: Readonly<Record<string, Variables>> = {
  Task_Step3_ShareAspiration: {
    aspiration: '二十五年前在车间入党，初心是做一名让群众信得过的党员。',
  },
  Task_Step5_Wishes: { wishes: '不忘初心，在新的岗位上再接再厉。' },
  Task_Step8_Photo: {
    photo: 'att-2026-07-0042',
    photoSha256: 'a3f1c2e4b5d6978812345678901234567890abcdefabcdefabcdefabcdefabcd',
    photoCaption: '王红同志政治生日合影',
  },
};

const ceremony: ScenarioStep[] = STEPS.map(([id]) => ({
  complete: id,
  ...(VARIABLES[id] ? { variables: VARIABLES[id] } : {}),
}));

describe('political-birthday template', () => {
  it('runs the eight steps in order, one open at a time, and completes', async () => {
    const result = await walk([{ advanceTo: '2026-07-01T09:30:00+08:00' }, ...ceremony]);

    expect(result.incidents).toEqual([]);
    expect(result.state).toBe('completed');
    const steps = result.events
      .filter((e) => e.type === 'element.activated' && e.elementId.startsWith('Task_Step'))
      .map((e) => e.elementId);
    expect(steps).toEqual(STEPS.map(([id]) => id));
    expect(result.variables.photo).toBe('att-2026-07-0042');
    expect(result.variables.aspiration).toBe(VARIABLES.Task_Step3_ShareAspiration?.aspiration);

    for (let done = 0; done < STEPS.length; done++) {
      const partial = await walk(ceremony.slice(0, done));
      expect(partial.openTasks.map((t) => [t.elementId, t.name])).toEqual([STEPS[done]]);
    }
  });

  it('names the steps as the DOMAIN lists them', async () => {
    const graph = (await context()).processes.latest(KEY)!;
    expect(STEPS.map(([id]) => graph.nodes[id]?.name)).toEqual(STEPS.map(([, name]) => name));
  });

  it('does not let a later step be done before an earlier one', async () => {
    const photo = ceremony[7];
    await expect(walk([photo])).rejects.toThrow(ScenarioError);
    await expect(walk([photo])).rejects.toThrow(
      "there is no open task of element 'Task_Step8_Photo'; open tasks: Task_Step1_Introduction",
    );
    await expect(
      walk([...ceremony.slice(0, 2), { complete: 'Task_Step4_ReviewMoments' }]),
    ).rejects.toThrow('open tasks: Task_Step3_ShareAspiration');
  });

  it('lets the secretary host, the member speak at step 3, and makes everything due by the end of the anniversary month', async () => {
    const result = await walk(ceremony.slice(0, 2));
    expect(result.openTasks).toEqual([
      {
        elementId: 'Task_Step3_ShareAspiration',
        name: '3 畅谈入党初心',
        assignee: MEMBER,
        candidateGroups: [],
        dueAt: '2026-07-31T23:59:59+08:00',
      },
    ]);
    const first = await walk([]);
    expect(first.openTasks[0]).toMatchObject({
      assignee: null,
      candidateGroups: ['secretary'],
      dueAt: '2026-07-31T23:59:59+08:00',
    });

    // a February anniversary in a leap year, year given as text
    const leap = await walk([], { ...START, admissionDate: '1996-02-10', year: '2028' });
    expect(leap.openTasks[0]?.dueAt).toBe('2028-02-29T23:59:59+08:00');
  });

  describe('step 8: the photo is the evidence (form political-birthday-photo)', () => {
    it('refuses the step without a photo, or with an empty one', () => {
      expect(problems('political-birthday-photo', {})).toEqual([
        { field: 'photo', message: '必填' },
      ]);
      expect(problems('political-birthday-photo', { photo: '', photoCaption: '合影' })).toEqual([
        { field: 'photo', message: '必填' },
      ]);
    });

    it('accepts an attachment id; an optional SHA-256 must be 64 hex digits', () => {
      expect(problems('political-birthday-photo', { photo: 'att-2026-07-0042' })).toEqual([]);
      expect(
        problems('political-birthday-photo', { photo: 'att-2026-07-0042', photoSha256: 'abc' }),
      ).toEqual([{ field: 'photoSha256', message: '格式不符合要求（须匹配 ^[0-9a-f]{64}$）' }]);
    });

    it('refuses step 3 without the member’s words', () => {
      expect(problems('political-birthday-aspiration', {})).toEqual([
        { field: 'aspiration', message: '必填' },
      ]);
    });
  });
});
