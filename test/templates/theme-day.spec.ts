/**
 * process-templates/theme-day.bpmn — 主题党日 "1+6+N" with the 五有 record, walked in memory
 * with the simulated clock (the engine's simulator). Every completion a walk makes is first
 * checked against the task's real form, as the api does; the refusals are tested against the
 * form validator directly.
 */
import { describe, expect, it } from '@jest/globals';
import { type ScenarioStep, type SimulationResult, type Variables } from '@app/engine';
import { TemplateWalk } from './support/template-harness.js';

const KEY = 'theme-day';
const MONTH_START = '2026-03-01T00:00:00+08:00';
const template = new TemplateWalk(KEY, MONTH_START);
const context = () => template.context();
const problems = (formId: string, submitted: Variables, current: Variables = {}) =>
  template.problems(formId, submitted, current);
/** Runs a scenario; each user-task completion must first pass that task's form. */
const walk = (start: Variables, steps: readonly ScenarioStep[]) => template.walk(start, steps);

const MEMBERS = ['m01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09', 'm10'];
const START: Variables = {
  branchId: 'branch-7',
  orgUnitId: 'branch-7',
  month: '2026-03',
  memberCount: 10,
  memberIds: MEMBERS,
};
const SIX = {
  wearBadge: true,
  payDuesOnSite: true,
  retakeOath: true,
  readConstitution: true,
  theoryStudy: true,
  organisationalLife: true,
};
const PLAN = {
  theme: '学习贯彻党的二十届三中全会精神',
  activityDate: '2026-03-20',
  startTime: '14:30',
  place: '三楼党员活动室',
  plan: '1. 佩戴党徽、签到；2. 现场交纳党费；3. 重温入党誓词；4. 集体诵读党章；5. 专题学习；6. 组织生活；7. 志愿服务',
};

/** Up to the day itself: plan, one return by the committee, approval, the notice. */
const PLANNED: ScenarioStep[] = [
  { advance: 'P2DT9H' },
  { complete: 'Task_Plan', variables: { ...PLAN, plan: '初稿' } },
  { complete: 'Task_ApprovePlan', variables: { approved: false, comment: '议程缺少组织生活安排' } },
  { complete: 'Task_Plan', variables: PLAN },
  { complete: 'Task_ApprovePlan', variables: { approved: true } },
  { complete: 'Task_NotifyMembers' },
  { advanceTo: '2026-03-20T17:00:00+08:00' },
];

function record(attendance: readonly string[]): ScenarioStep {
  return {
    complete: 'Task_Record',
    variables: {
      ...SIX,
      attendance: [...attendance],
      optionalActions: ['volunteer-service', 'political-birthday'],
      heldOn: '2026-03-20',
      photos: ['att-0001', 'att-0002'],
      recordNotes: '书记讲专题党课，党员交流发言。',
    },
  };
}

function reflections(count: number): ScenarioStep[] {
  return Array.from({ length: count }, (_, i) => ({
    complete: 'Task_Reflection',
    variables: { reflection: `第${i + 1}位党员：学习全会精神，立足岗位作贡献。` },
  }));
}

const CLOSE: ScenarioStep[] = [
  { advance: 'P2D' },
  {
    complete: 'Task_Evaluate',
    variables: {
      evaluationGrade: 'good',
      evaluation: '主题鲜明，规定动作齐全，党员参与积极。',
      support: '活动经费300元已列支；场地、资料由党建办保障。',
    },
  },
  { complete: 'Task_Check', variables: { approved: true, comment: '档案齐全，予以销号' } },
];

const activated = (result: SimulationResult, elementId: string) =>
  result.events.filter((e) => e.type === 'element.activated' && e.elementId === elementId);

describe('theme-day template', () => {
  it('walks a month end to end: plan returned once and approved, members notified, the day recorded, a reflection from each attending member, evaluation and support, the check closes it', async () => {
    const attending = MEMBERS.slice(0, 9);
    const result = await walk(START, [
      ...PLANNED,
      record(attending),
      ...reflections(attending.length),
      ...CLOSE,
    ]);

    expect(result.incidents).toEqual([]);
    expect(result.state).toBe('completed');
    expect(result.now).toBe('2026-03-22T17:00:00+08:00');
    const order = result.events
      .filter((e) => e.type === 'element.activated' && e.elementId.startsWith('Task_'))
      .map((e) => e.elementId);
    expect([...new Set(order)]).toEqual([
      'Task_Plan',
      'Task_ApprovePlan',
      'Task_NotifyMembers',
      'Task_Record',
      'Task_Reflection',
      'Task_Evaluate',
      'Task_Check',
    ]);
    expect(activated(result, 'Task_Plan')).toHaveLength(2);
    expect(activated(result, 'Task_Reflection')).toHaveLength(9);
    // the month-end timer never fired: the month closed in time
    expect(result.events.filter((e) => e.type === 'timer.fired')).toEqual([]);
    expect(result.events.at(-1)).toEqual({
      at: '2026-03-22T17:00:00+08:00',
      type: 'instance.completed',
      elementId: KEY,
    });

    const v = result.variables;
    expect(v.theme).toBe(PLAN.theme);
    expect(v.attendance).toEqual(attending);
    expect(v.attendanceRate).toBe(0.9);
    expect(v.attendanceFlagged).toBe(false);
    expect(v.optionalActions).toEqual(['volunteer-service', 'political-birthday']);
    expect(v.reflections).toEqual(
      attending.map((memberId, i) => ({
        memberId,
        reflection: `第${i + 1}位党员：学习全会精神，立足岗位作贡献。`,
      })),
    );
    expect(v.evaluation).toBe('主题鲜明，规定动作齐全，党员参与积极。');
    expect(v.approved).toBe(true);
    expect(v.monthOverdue).toBeUndefined();
  });

  it('gives the plan a due date on the 5th and every other task the last day of the month; reflections go to each attending member by id', async () => {
    const atPlan = await walk(START, []);
    expect(atPlan.openTasks).toEqual([
      {
        elementId: 'Task_Plan',
        name: '确定主题和活动方案',
        assignee: null,
        candidateGroups: ['secretary'],
        dueAt: '2026-03-05T23:59:59+08:00',
      },
    ]);

    const atReflections = await walk(START, [...PLANNED, record(['m02', 'm05', 'm09'])]);
    expect(atReflections.openTasks).toEqual(
      ['m02', 'm05', 'm09'].map((assignee) => ({
        elementId: 'Task_Reflection',
        name: '党员撰写感悟',
        assignee,
        candidateGroups: [],
        dueAt: '2026-03-31T23:59:59+08:00',
      })),
    );
    const beforeRecord = await walk(START, PLANNED);
    expect(beforeRecord.openTasks.map((t) => [t.elementId, t.dueAt])).toEqual([
      ['Task_Record', '2026-03-31T23:59:59+08:00'],
    ]);
  });

  it('notifies the members with the theme, date and place (notify-members headers)', async () => {
    const node = (await context()).processes.latest(KEY)!.nodes.Task_NotifyMembers;
    expect(node?.kind).toBe('serviceTask');
    if (node?.kind !== 'serviceTask') return;
    expect(node.jobType).toBe('notify-members');
    expect(node.headers.title).toContain('{theme}');
    expect(node.headers.message).toMatch(/\{theme\}.*\{activityDate\}.*\{place\}/);
  });

  it('requires the photos of the record (五有) as evidence: an image on its ledger item, refused as photos', async () => {
    const node = (await context()).processes.latest(KEY)!.nodes.Task_Record;
    expect(node?.kind === 'userTask' ? node.properties : undefined).toEqual({
      'ledger.requiresEvidence': 'image',
      'ledger.evidenceField': 'photos',
    });
    // the approval keeps crossing off the instance's file
    const check = (await context()).processes.latest(KEY)!.nodes.Task_Check;
    expect(check?.kind === 'userTask' ? check.properties : undefined).toEqual({
      'ledger.verifies': 'instance',
    });
  });

  it('asks the plan for everything the notice names (theme, date, time, place) and the plan itself', () => {
    expect(problems('theme-day-plan', PLAN)).toEqual([]);
    expect(problems('theme-day-plan', {}).map((p) => p.field)).toEqual([
      'theme',
      'activityDate',
      'startTime',
      'place',
      'plan',
    ]);
  });

  it('reads the local parameters planDueDay and attendanceThreshold from start variables', async () => {
    const result = await walk({ ...START, planDueDay: 10, attendanceThreshold: 0.7 }, [
      ...PLANNED,
      record(MEMBERS.slice(0, 7)),
    ]);
    expect(result.events.some((e) => e.elementId === 'Event_AttendanceFlagged')).toBe(false);
    expect(result.variables.attendanceFlagged).toBe(false);

    const atPlan = await walk({ ...START, planDueDay: 10 }, []);
    expect(atPlan.openTasks[0]?.dueAt).toBe('2026-03-10T23:59:59+08:00');
  });

  describe('the record of the day (form theme-day-record)', () => {
    const complete = { ...SIX, attendance: ['m01', 'm02'] };

    it('is accepted with all six required actions confirmed and an attendance list', () => {
      expect(problems('theme-day-record', complete)).toEqual([]);
    });

    it.each(Object.keys(SIX))('is refused when %s is not confirmed', (action) => {
      expect(problems('theme-day-record', { ...complete, [action]: false })).toEqual([
        { field: action, message: '必填' },
      ]);
      const without: Record<string, unknown> = { ...complete };
      delete without[action];
      expect(problems('theme-day-record', without as Variables)).toEqual([
        { field: action, message: '必填' },
      ]);
    });

    it('is refused without an attendance list, or with an empty one', () => {
      const without: Record<string, unknown> = { ...complete };
      delete without.attendance;
      expect(problems('theme-day-record', without as Variables)).toEqual([
        { field: 'attendance', message: '必填' },
      ]);
      expect(problems('theme-day-record', { ...complete, attendance: [] })).toEqual([
        { field: 'attendance', message: '必填' },
      ]);
    });

    it('names every missing action at once, and refuses optional actions outside N', () => {
      expect(
        problems('theme-day-record', {
          wearBadge: true,
          attendance: ['m01'],
          optionalActions: ['karaoke'],
        }).map((p) => p.field),
      ).toEqual([
        'payDuesOnSite',
        'retakeOath',
        'readConstitution',
        'theoryStudy',
        'organisationalLife',
        'optionalActions',
      ]);
    });

    it('a return of the plan must say why', () => {
      expect(problems('theme-day-review', { approved: false })).toEqual([
        { field: 'comment', message: '必填' },
      ]);
      expect(problems('theme-day-review', { approved: true })).toEqual([]);
    });
  });

  describe('attendance below the threshold (default 80%)', () => {
    it('flags 7 of 10 (attendanceFlagged = true, the flag event is passed) and the month goes on', async () => {
      const result = await walk(START, [...PLANNED, record(MEMBERS.slice(0, 7))]);

      expect(result.variables.attendanceRate).toBe(0.7);
      expect(result.variables.attendanceFlagged).toBe(true);
      expect(activated(result, 'Event_AttendanceFlagged')).toHaveLength(1);
      expect(result.openTasks.filter((t) => t.elementId === 'Task_Reflection')).toHaveLength(7);
    });

    it('does not flag 8 of 10', async () => {
      const result = await walk(START, [...PLANNED, record(MEMBERS.slice(0, 8))]);

      expect(result.variables.attendanceRate).toBe(0.8);
      expect(result.variables.attendanceFlagged).toBe(false);
      expect(activated(result, 'Event_AttendanceFlagged')).toEqual([]);
      expect(result.openTasks.filter((t) => t.elementId === 'Task_Reflection')).toHaveLength(8);
    });

    it('counts a member listed twice once', async () => {
      const result = await walk(START, [
        ...PLANNED,
        record([...MEMBERS.slice(0, 7), 'm01', 'm02']),
      ]);
      expect(result.variables.attendanceFlagged).toBe(true);
    });

    it('counts only the branch own members (memberIds): guests do not raise the rate', async () => {
      // 7 members and 3 guests (an applicant of the branch, a member of another one): 70%
      const result = await walk(START, [
        ...PLANNED,
        record([...MEMBERS.slice(0, 7), 'applicant-1', 'guest-2', 'guest-3']),
      ]);
      expect(result.incidents).toEqual([]);
      expect(result.variables.attendanceRate).toBe(0.7);
      expect(result.variables.attendanceFlagged).toBe(true);
      expect(activated(result, 'Event_AttendanceFlagged')).toHaveLength(1);
      // everyone who attended still writes a reflection
      expect(result.openTasks.filter((t) => t.elementId === 'Task_Reflection')).toHaveLength(10);
    });

    it('counts nobody when the kick-off gave no memberIds', async () => {
      const withoutIds = Object.fromEntries(
        Object.entries(START).filter(([name]) => name !== 'memberIds'),
      );
      const result = await walk(withoutIds, [...PLANNED, record(MEMBERS.slice(0, 9))]);
      expect(result.incidents).toEqual([]);
      expect(result.variables.attendanceRate).toBe(0);
      expect(result.variables.attendanceFlagged).toBe(true);
    });
  });

  describe('a month that goes overdue', () => {
    it('leaves the tasks open past their due dates, then at 00:00 on the 1st of next month the month-end timer fires and marks the month overdue; the work can still be finished', async () => {
      // the plan is late: on the 6th it is open and past its due date (the runtime reminds
      // and escalates such tasks; the template adds no boundary to them)
      const late = await walk(START, [{ advanceTo: '2026-03-06T09:00:00+08:00' }]);
      expect(late.openTasks.map((t) => [t.elementId, t.dueAt])).toEqual([
        ['Task_Plan', '2026-03-05T23:59:59+08:00'],
      ]);
      expect(late.events.filter((e) => e.type === 'timer.fired')).toEqual([]);

      const overdueSteps: ScenarioStep[] = [
        { advanceTo: '2026-03-06T09:00:00+08:00' },
        { complete: 'Task_Plan', variables: PLAN },
        { complete: 'Task_ApprovePlan', variables: { approved: true } },
        { complete: 'Task_NotifyMembers' },
        { advanceTo: '2026-03-31T23:59:59+08:00' },
      ];
      const lastSecond = await walk(START, overdueSteps);
      expect(lastSecond.events.filter((e) => e.type === 'timer.fired')).toEqual([]);

      const over = await walk(START, [...overdueSteps, { advanceTo: '2026-04-02T09:00:00+08:00' }]);
      expect(over.events.filter((e) => e.type === 'timer.fired')).toEqual([
        {
          at: '2026-04-01T00:00:00+08:00',
          type: 'timer.fired',
          elementId: 'BoundaryEvent_MonthOver',
        },
      ]);
      expect(over.state).toBe('active');
      expect(over.openTasks.map((t) => [t.elementId, t.dueAt])).toEqual([
        ['Task_Record', '2026-03-31T23:59:59+08:00'],
        ['Task_FlagOverdue', null],
      ]);

      const flagged = await walk(START, [
        ...overdueSteps,
        { advanceTo: '2026-04-02T09:00:00+08:00' },
        { complete: 'Task_FlagOverdue' },
      ]);
      expect(flagged.variables.monthOverdue).toBe(true);
      expect(flagged.openTasks.map((t) => t.elementId)).toEqual(['Task_Record']);

      const finished = await walk(START, [
        ...overdueSteps,
        { advanceTo: '2026-04-02T09:00:00+08:00' },
        { complete: 'Task_FlagOverdue' },
        record(MEMBERS.slice(0, 8)),
        ...reflections(8),
        ...CLOSE,
        { advance: 'P1M' },
      ]);
      expect(finished.state).toBe('completed');
      expect(finished.variables.monthOverdue).toBe(true);
      // the boundary is a date, not a cycle: it fired once
      expect(finished.events.filter((e) => e.type === 'timer.fired')).toHaveLength(1);
    });
  });
});
