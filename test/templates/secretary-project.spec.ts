/**
 * process-templates/secretary-project.bpmn — 书记项目 from 出题 to 推广, walked in memory with
 * the simulated clock (the engine's simulator). Every completion a walk makes is first checked
 * against the task's real form, as the api does.
 */
import { describe, expect, it } from '@jest/globals';
import { type ScenarioStep, type SimulationResult, type Variables } from '@app/engine';
import { TemplateWalk } from './support/template-harness.js';

const KEY = 'secretary-project';
const template = new TemplateWalk(KEY, '2026-01-05T09:00:00+08:00');
const problems = (formId: string, submitted: Variables, current: Variables = {}) =>
  template.problems(formId, submitted, current);
/** Runs a scenario from 2026-01-05T09:00:00+08:00; each user-task completion must first pass its form. */
const walk = (steps: readonly ScenarioStep[], start: Variables = START) =>
  template.walk(start, steps);

const START: Variables = { branchId: 'branch-7', orgUnitId: 'branch-7' };

const APPLICATION = {
  projectName: '“党员先锋号”降低设备故障停机时间',
  goal: '主要设备故障停机时间同比下降20%',
  measures: '成立党员攻关小组，建立设备点检和故障复盘制度',
  milestones: [
    { name: '完成故障数据分析', dueDate: '2026-03-31' },
    { name: '点检制度上线运行', dueDate: '2026-06-30' },
  ],
  team: '支部书记（第一负责人）、党员技术骨干3人、青年团员2人',
  expectedResults: '停机时间下降20%，形成设备点检作业标准1项',
  plannedEndDate: '2026-09-30',
};

/** 出题, 选题, 立项申报 returned once by 立项评审, revised, approved on 20 Jan 10:00. */
const APPROVED: ScenarioStep[] = [
  {
    complete: 'Task_PoseProblems',
    variables: {
      problems: [
        { title: '设备故障停机时间偏长', detail: '去年累计停机126小时' },
        { title: '新员工技能提升慢' },
      ],
    },
  },
  {
    complete: 'Task_SelectTopic',
    variables: { topic: '设备故障停机时间偏长', topicReason: '直接影响车间产量，党员骨干集中' },
  },
  { complete: 'Task_Apply', variables: { ...APPLICATION, milestones: [] } },
  {
    complete: 'Task_ReviewApplication',
    variables: { approved: false, comment: '里程碑节点不具体，请补充' },
  },
  { complete: 'Task_Apply', variables: APPLICATION },
  { advanceTo: '2026-01-20T10:00:00+08:00' },
  { complete: 'Task_ReviewApplication', variables: { approved: true } },
];

const report = (n: number): ScenarioStep => ({
  complete: 'Task_MonthlyReport',
  variables: {
    progress: `第${n}个月：按计划推进`,
    milestonesReached: n >= 2 ? '完成故障数据分析' : '',
    nextSteps: '继续推进点检制度',
  },
});

const activations = (result: SimulationResult, elementId: string) =>
  result.events
    .filter((e) => e.type === 'element.activated' && e.elementId === elementId)
    .map((e) => e.at);

describe('secretary-project template', () => {
  it('runs from 出题 to 推广: a revision loop at 立项评审, monthly reports, a mid-term check with rectifications, a failed acceptance that is rectified and then passes', async () => {
    const result = await walk([
      ...APPROVED,
      { advanceTo: '2026-02-21T09:00:00+08:00' },
      report(1),
      { advanceTo: '2026-03-21T09:00:00+08:00' },
      report(2),
      { advanceTo: '2026-04-21T09:00:00+08:00' },
      report(3),
      {
        complete: 'Task_MidtermInspection',
        variables: {
          findings: '进度总体符合计划，台账不完整',
          rectifications: [
            { issue: '点检台账不完整', measure: '补齐台账', deadline: '2026-05-20' },
            { issue: '攻关小组例会记录缺失' },
          ],
        },
      },
      { complete: 'Task_Rectify', variables: { rectificationResult: '已补齐1-4月点检台账' } },
      { complete: 'Task_Rectify', variables: { rectificationResult: '例会记录已补录并建立模板' } },
      { advanceTo: '2026-05-21T09:00:00+08:00' },
      report(4),
      {
        complete: 'Task_Implement',
        variables: { action: 'complete', completionSummary: '停机时间下降23%，点检标准已发布' },
      },
      { advance: 'P10D' },
      { complete: 'Task_Acceptance', variables: { approved: false, comment: '缺少停机数据佐证' } },
      {
        complete: 'Task_RectifyAndResubmit',
        variables: { rectificationResult: '补充设备管理系统导出的停机统计' },
      },
      { complete: 'Task_Acceptance', variables: { approved: true, comment: '验收通过' } },
      {
        complete: 'Task_EvaluateEffect',
        variables: { effectRating: 'excellent', effectSummary: '年节约维修费用约40万元' },
      },
      {
        complete: 'Task_Promote',
        variables: {
          promoted: true,
          brandName: '党员先锋号',
          promotionMeasures: '在全厂设备系统推广点检作业标准',
        },
      },
      { advance: 'P6M' },
    ]);

    expect(result.incidents).toEqual([]);
    expect(result.state).toBe('completed');
    const order = result.events
      .filter((e) => e.type === 'element.activated' && e.elementId.startsWith('Task_'))
      .map((e) => e.elementId);
    expect(order.slice(0, 6)).toEqual([
      'Task_PoseProblems',
      'Task_SelectTopic',
      'Task_Apply',
      'Task_ReviewApplication',
      'Task_Apply',
      'Task_ReviewApplication',
    ]);
    expect(order.slice(-5)).toEqual([
      'Task_Acceptance',
      'Task_RectifyAndResubmit',
      'Task_Acceptance',
      'Task_EvaluateEffect',
      'Task_Promote',
    ]);
    expect(activations(result, 'Task_MonthlyReport')).toEqual([
      '2026-02-20T10:00:00+08:00',
      '2026-03-20T10:00:00+08:00',
      '2026-04-20T10:00:00+08:00',
      '2026-05-20T10:00:00+08:00',
    ]);
    expect(activations(result, 'Task_MidtermInspection')).toEqual(['2026-04-20T10:00:00+08:00']);
    expect(activations(result, 'Task_Rectify')).toHaveLength(2);

    const v = result.variables;
    expect(v.approved).toBe(true);
    expect((v.progressReports as unknown[]).length).toBe(4);
    expect(v.progressReports).toContainEqual(
      expect.objectContaining({
        reportedAt: '2026-04-21T09:00:00+08:00',
        progress: '第3个月：按计划推进',
      }),
    );
    expect(v.rectifications).toHaveLength(2);
    expect(v.rectificationResults).toEqual([
      { issue: '点检台账不完整', result: '已补齐1-4月点检台账' },
      { issue: '攻关小组例会记录缺失', result: '例会记录已补录并建立模板' },
    ]);
    expect(v.acceptanceRectifications).toEqual([
      { requirement: '缺少停机数据佐证', result: '补充设备管理系统导出的停机统计' },
    ]);
    expect(v.brandName).toBe('党员先锋号');
  });

  it('creates a 月度进展报告 each month while implementing (reportInterval, default P1M), and none after the implementation ends', async () => {
    const running = await walk([...APPROVED, { advanceTo: '2026-06-25T09:00:00+08:00' }]);
    expect(activations(running, 'Task_MonthlyReport')).toEqual([
      '2026-02-20T10:00:00+08:00',
      '2026-03-20T10:00:00+08:00',
      '2026-04-20T10:00:00+08:00',
      '2026-05-20T10:00:00+08:00',
      '2026-06-20T10:00:00+08:00',
    ]);
    // each report is a task of its own for the secretary, due in 7 days
    const reports = running.openTasks.filter((t) => t.elementId === 'Task_MonthlyReport');
    expect(reports).toHaveLength(5);
    expect(reports[0]).toMatchObject({
      candidateGroups: ['secretary'],
      dueAt: '2026-02-27T10:00:00+08:00',
    });

    const ended = await walk([
      ...APPROVED,
      { advanceTo: '2026-04-21T09:00:00+08:00' },
      { complete: 'Task_MidtermInspection', variables: { findings: '符合计划' } },
      {
        complete: 'Task_Implement',
        variables: { action: 'complete', completionSummary: '目标完成' },
      },
      { advance: 'P6M' },
    ]);
    expect(activations(ended, 'Task_MonthlyReport')).toHaveLength(3);
    expect(ended.openTasks.map((t) => t.elementId)).toEqual([
      'Task_MonthlyReport',
      'Task_MonthlyReport',
      'Task_MonthlyReport',
      'Task_Acceptance',
    ]);

    const fortnightly = await walk([...APPROVED, { advanceTo: '2026-02-20T09:00:00+08:00' }], {
      ...START,
      reportInterval: 'P14D',
    });
    expect(activations(fortnightly, 'Task_MonthlyReport')).toEqual([
      '2026-02-03T10:00:00+08:00',
      '2026-02-17T10:00:00+08:00',
    ]);
  });

  it('holds the mid-term check until midtermAfter (default P3M) has passed, and skips rectification when nothing is found', async () => {
    const before = await walk([...APPROVED, { advanceTo: '2026-04-20T09:59:59+08:00' }]);
    expect(activations(before, 'Task_MidtermInspection')).toEqual([]);
    const due = await walk([...APPROVED, { advanceTo: '2026-04-20T10:00:00+08:00' }]);
    expect(due.openTasks.map((t) => [t.elementId, t.candidateGroups])).toContainEqual([
      'Task_MidtermInspection',
      ['supervisor'],
    ]);

    const early = await walk([...APPROVED, { advanceTo: '2026-03-20T10:00:00+08:00' }], {
      ...START,
      midtermAfter: 'P2M',
    });
    expect(activations(early, 'Task_MidtermInspection')).toEqual(['2026-03-20T10:00:00+08:00']);

    const clean = await walk([
      ...APPROVED,
      { advanceTo: '2026-04-20T10:00:00+08:00' },
      {
        complete: 'Task_MidtermInspection',
        variables: { findings: '符合计划', rectifications: [] },
      },
    ]);
    expect(activations(clean, 'Task_Rectify')).toEqual([]);
    expect(clean.incidents).toEqual([]);
  });

  describe('extension by request (maxExtensionMonths, default 3)', () => {
    const extend = (months: number): ScenarioStep => ({
      complete: 'Task_Implement',
      variables: { action: 'extend', extensionMonths: months, extensionReason: '关键备件到货推迟' },
    });
    const implementDue = (result: SimulationResult) =>
      result.openTasks.find((t) => t.elementId === 'Task_Implement')?.dueAt;

    it('refuses a request above 3 months without sending it for approval; the deadline stays', async () => {
      const before = await walk(APPROVED);
      expect(implementDue(before)).toBe('2026-09-30T23:59:59+08:00');

      const refused = await walk([...APPROVED, extend(4)]);
      expect(refused.variables.extensionRefused).toBe(true);
      expect(activations(refused, 'Task_ApproveExtension')).toEqual([]);
      expect(activations(refused, 'Task_Implement')).toHaveLength(2);
      expect(refused.variables.plannedEndDate).toBe('2026-09-30');
      expect(implementDue(refused)).toBe('2026-09-30T23:59:59+08:00');
      expect(refused.incidents).toEqual([]);
    });

    it('sends a request within the limit to the supervisor; approved, the deadline moves; the total may not pass the limit', async () => {
      const asked = await walk([...APPROVED, extend(2)]);
      expect(asked.variables.extensionRefused).toBe(false);
      expect(asked.openTasks.map((t) => [t.elementId, t.candidateGroups])).toEqual([
        ['Task_ApproveExtension', ['supervisor']],
      ]);

      const granted = await walk([
        ...APPROVED,
        extend(2),
        { complete: 'Task_ApproveExtension', variables: { approved: true } },
      ]);
      expect(granted.variables.plannedEndDate).toBe('2026-11-30');
      expect(granted.variables.extendedMonths).toBe(2);
      expect(implementDue(granted)).toBe('2026-11-30T23:59:59+08:00');

      // 2 granted + 2 more = 4 > 3: refused
      const again = await walk([
        ...APPROVED,
        extend(2),
        { complete: 'Task_ApproveExtension', variables: { approved: true } },
        extend(2),
      ]);
      expect(again.variables.extensionRefused).toBe(true);
      expect(activations(again, 'Task_ApproveExtension')).toHaveLength(1);
      expect(implementDue(again)).toBe('2026-11-30T23:59:59+08:00');

      // 2 + 1 = 3 is allowed, and a rejection leaves the deadline alone
      const rejected = await walk([
        ...APPROVED,
        extend(2),
        { complete: 'Task_ApproveExtension', variables: { approved: true } },
        extend(1),
        {
          complete: 'Task_ApproveExtension',
          variables: { approved: false, comment: '理由不充分' },
        },
      ]);
      expect(rejected.variables.extendedMonths).toBe(2);
      expect(implementDue(rejected)).toBe('2026-11-30T23:59:59+08:00');
    });

    it('takes the limit from maxExtensionMonths', async () => {
      const result = await walk([...APPROVED, extend(4)], { ...START, maxExtensionMonths: 6 });
      expect(result.variables.extensionRefused).toBe(false);
      expect(result.openTasks.map((t) => t.elementId)).toEqual(['Task_ApproveExtension']);
    });

    it('the implementation form asks for the months and the reason of an extension, and a summary of a completion', () => {
      expect(problems('secretary-project-implementation', { action: 'extend' })).toEqual([
        { field: 'extensionMonths', message: '必填' },
        { field: 'extensionReason', message: '必填' },
      ]);
      expect(
        problems('secretary-project-implementation', {
          action: 'extend',
          extensionMonths: 0,
          extensionReason: '原因',
        }),
      ).toEqual([{ field: 'extensionMonths', message: '不能小于 1' }]);
      expect(problems('secretary-project-implementation', { action: 'complete' })).toEqual([
        { field: 'completionSummary', message: '必填' },
      ]);
      expect(problems('secretary-project-implementation', {})).toEqual([
        { field: 'action', message: '必填' },
      ]);
    });
  });

  it('the application form asks for goal, measures, team, expected results and the planned end', () => {
    expect(problems('secretary-project-application', {}).map((p) => p.field)).toEqual([
      'projectName',
      'goal',
      'measures',
      'team',
      'expectedResults',
      'plannedEndDate',
    ]);
    expect(
      problems('secretary-project-application', {
        ...APPLICATION,
        milestones: [{ name: '节点' }],
      }),
    ).toEqual([{ field: 'milestones[0].dueDate', message: '必填' }]);
  });
});
