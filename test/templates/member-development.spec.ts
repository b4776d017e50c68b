import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { type UserTaskNode, lintBpmn } from '@app/bpmn';
import { BpmnModdle } from 'bpmn-moddle';
import {
  BPMN_FILE,
  MemberDevelopment,
  TEMPLATES,
  at,
  formProblems,
  iso,
  loadForm,
  templateContext,
} from './support/member-development-harness.js';

const MEMBER = '7d0f7a4e-2c55-4a8e-9b1e-3f6f1d0c9a01';
const SPONSOR_A = '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed';
const SPONSOR_B = '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b';

const applicant = {
  memberId: MEMBER,
  memberName: '李明',
  birthDate: '1998-05-20',
  applicationDate: '2026-03-02',
  orgUnitId: 'branch-1',
  branchId: 'branch-1',
};

/** Records each step would submit through its form. */
const record = {
  talk: { talkDate: '2026-03-20', talkBy: '王组织委员', talkNotes: '入党动机端正' },
  activist: {
    recommendedBy: ['members', 'mass-organisations'],
    activistDate: '2026-04-10',
    activistNotes: '支委会研究同意',
  },
  activistFiling: { activistFilingDate: '2026-04-20' },
  contacts: {
    contacts: [{ name: '张华', memberId: SPONSOR_A }],
    contactsDate: '2026-04-25',
  },
  evaluation: (n: number) => ({
    evaluationDate: `2026-${String(10 + n).padStart(2, '0')}-25`,
    evaluatedBy: '张华',
    evaluationSummary: `第${n + 1}次考察：表现良好`,
  }),
  thoughtReport: (n: number) => ({ reportDate: '2026-07-25', reportSummary: `思想汇报 ${n + 1}` }),
  candidate: (candidateDate: string) => ({
    opinionsHeard: ['group', 'contacts', 'members', 'public'],
    approved: true,
    candidateDate,
    comment: '同意列为发展对象',
  }),
  candidateFiling: { candidateFilingDate: '2027-04-25' },
  sponsors: {
    sponsors: [
      { name: '张华', memberId: SPONSOR_A },
      { name: '陈静', memberId: SPONSOR_B },
    ],
    sponsorsDate: '2027-05-01',
  },
  politicalReview: { politicalReviewDate: '2027-05-20', approved: true, comment: '政治审查合格' },
  training: {
    trainingMeasure: 'hours',
    trainingHours: 24,
    trainingEndDate: '2027-06-05',
    trainingOrganizer: '公司党委',
  },
  branchReview: { branchReviewDate: '2027-06-10', approved: true, comment: '审查合格' },
  preReview: {
    preReviewDate: '2027-06-15',
    approved: true,
    applicationFormNo: 'ZY-2027-018',
    comment: '预审合格',
  },
  applicationForm: { applicationFormDate: '2027-06-20', sponsorsOpinionsEntered: true },
  vote: (voteDate: string, votes: { entitled: number; present: number; votesFor: number }) => ({
    voteDate,
    ...votes,
    votesAgainst: 0,
    abstentions: 0,
    meetingNotes: '逐个讨论、逐个表决',
  }),
  higherTalk: {
    interviewDate: '2027-07-10',
    interviewer: '组织员刘军',
    interviewNotes: '谈话情况良好',
  },
  admissionApproval: (approvalDate: string) => ({
    approved: true,
    approvalDate,
    comment: '同意接收',
  }),
  recordFiling: { recordFilingDate: '2027-08-20' },
  group: { partyGroup: '第一党小组', groupAssignedDate: '2027-08-22' },
  oath: { oathDate: '2027-09-01', oathLeader: '支部书记', oathPlace: '党员活动室' },
  conversionApplication: (date: string) => ({
    conversionApplicationDate: date,
    conversionApplicationSummary: '申请按期转为正式党员',
  }),
  conversionVote: (
    conversionVoteDate: string,
    outcome: string,
    votes = { entitled: 10, present: 8, votesFor: 8 },
    extra: Record<string, number> = {},
  ) => ({
    conversionVoteDate,
    ...votes,
    votesAgainst: 0,
    abstentions: 0,
    outcome,
    ...extra,
    meetingNotes: '支部大会讨论',
  }),
  conversionApproval: (date: string) => ({
    approved: true,
    conversionApprovalDate: date,
    comment: '同意',
  }),
  archive: { archiveDate: '2028-09-01', archiveNo: 'DA-2028-007', archiveNotes: '全部材料' },
};

const QUORATE = { entitled: 10, present: 8, votesFor: 8 };

/** Application to the activist phase: steps 1–5 (status activist after step 4). */
async function toActivist(): Promise<MemberDevelopment> {
  const walk = await MemberDevelopment.start(applicant, '2026-03-02T09:00:00');
  walk.complete('Task_02_Talk', record.talk, '2026-03-20T10:00:00');
  walk.complete('Task_03_Activist', record.activist, '2026-04-10T15:00:00');
  walk.complete('Task_04_ActivistFiling', record.activistFiling, '2026-04-20T09:00:00');
  walk.complete('Task_05_Contacts', record.contacts, '2026-04-25T09:00:00');
  return walk;
}

/** Through the one-year gate to a candidate (steps 6–8), periodic tasks done on the way. */
async function toCandidate(): Promise<MemberDevelopment> {
  const walk = await toActivist();
  walk.advanceTo('2027-04-10T09:00:00');
  walk.completeAll('Task_06_Evaluation', record.evaluation);
  walk.completeAll('Task_ThoughtReport_Activist', record.thoughtReport);
  walk.complete('Task_07_Candidate', record.candidate('2027-04-15'), '2027-04-15T15:00:00');
  walk.complete('Task_08_CandidateFiling', record.candidateFiling, '2027-04-25T09:00:00');
  return walk;
}

/** Steps 9–14: the candidate with sponsors, reviews, training and the 入党志愿书. */
async function toAdmissionVote(): Promise<MemberDevelopment> {
  const walk = await toCandidate();
  walk.complete('Task_09_Sponsors', record.sponsors, '2027-05-01T09:00:00');
  walk.complete('Task_10_PoliticalReview', record.politicalReview, '2027-05-20T09:00:00');
  walk.complete('Task_11_Training', record.training, '2027-06-05T17:00:00');
  walk.complete('Task_12_BranchReview', record.branchReview, '2027-06-10T09:00:00');
  walk.complete('Task_13_PreReview', record.preReview, '2027-06-15T09:00:00');
  walk.complete('Task_14_ApplicationForm', record.applicationForm, '2027-06-20T09:00:00');
  return walk;
}

/** Steps 15–20: admitted as a probationary member on 2027-07-01, probation ends 2028-07-01. */
async function toProbation(): Promise<MemberDevelopment> {
  const walk = await toAdmissionVote();
  walk.complete('Task_15_AdmissionVote', record.vote('2027-07-01', QUORATE), '2027-07-01T15:00:00');
  walk.complete('Task_16_HigherTalk', record.higherTalk, '2027-07-10T09:00:00');
  walk.complete(
    'Task_17_AdmissionApproval',
    record.admissionApproval('2027-08-15'),
    '2027-08-15T09:00:00',
  );
  walk.complete('Task_18_RecordFiling', record.recordFiling, '2027-08-20T09:00:00');
  walk.complete('Task_19_Group', record.group, '2027-08-22T09:00:00');
  walk.complete('Task_20_Oath', record.oath, '2027-09-01T09:00:00');
  return walk;
}

/** Probation served: the member applies (step 22) on 2028-07-02; step 23 is open. */
async function toConversionVote(): Promise<MemberDevelopment> {
  const walk = await toProbation();
  walk.advanceTo('2028-07-02T09:00:00');
  walk.completeAll('Task_ThoughtReport_Probation', record.thoughtReport);
  walk.complete('Task_22_ConversionApplication', record.conversionApplication('2028-07-02'));
  return walk;
}

describe('member-development template (发展党员: 5 stages, 25 steps)', () => {
  describe('the file', () => {
    it('lints with no problem, and every user task has a Chinese name, a 工作标准, who does it and an existing form', async () => {
      const xml = readFileSync(BPMN_FILE, 'utf8');
      const { problems, definitions } = await lintBpmn(xml);
      expect(problems).toEqual([]);
      const graph = definitions?.processes['member-development'];
      expect(graph).toBeDefined();
      const userTasks = Object.values(graph?.nodes ?? {}).filter(
        (node): node is UserTaskNode => node.kind === 'userTask',
      );
      // 23 steps are user tasks (1 is the start, 21 the probation sub-process), plus two
      // thought-report tasks
      expect(userTasks).toHaveLength(25);
      const forms = new Set(readdirSync(new URL('forms/', TEMPLATES)));
      for (const task of userTasks) {
        expect([task.id, /[\u4e00-\u9fff]/.test(task.name ?? '')]).toEqual([task.id, true]);
        expect([task.id, (task.documentation ?? '').length > 10]).toEqual([task.id, true]);
        expect([
          task.id,
          task.candidateGroups !== null ||
            task.assignee === '=memberId' ||
            task.assignee === '=contact.memberId',
        ]).toEqual([task.id, true]);
        expect(forms.has(`${task.formId ?? '-'}.form`)).toBe(true);
        expect(loadForm(task.formId ?? '').components.length).toBeGreaterThan(0);
      }
      for (const node of Object.values(graph?.nodes ?? {})) {
        expect([node.id, /[\u4e00-\u9fff]/.test(node.name ?? '')]).toEqual([node.id, true]);
      }
      // the applicant / probationary member does these steps; the higher committee these
      const byAssignee = userTasks.filter((t) => t.assignee === '=memberId').map((t) => t.id);
      expect(byAssignee.sort()).toEqual([
        'Task_14_ApplicationForm',
        'Task_22_ConversionApplication',
        'Task_ThoughtReport_Activist',
        'Task_ThoughtReport_Probation',
      ]);
      const bySupervisor = userTasks
        .filter((t) => t.candidateGroups === 'supervisor')
        .map((t) => t.id);
      expect(bySupervisor.sort()).toEqual([
        'Task_04_ActivistFiling',
        'Task_08_CandidateFiling',
        'Task_11_Training',
        'Task_16_HigherTalk',
        'Task_18_RecordFiling',
      ]);
      // only the unit holding approval authority (a 基层党委) pre-reviews and approves
      const byApprover = userTasks
        .filter((t) => t.candidateGroups === 'supervisor@approving')
        .map((t) => t.id);
      expect(byApprover.sort()).toEqual([
        'Task_13_PreReview',
        'Task_17_AdmissionApproval',
        'Task_24_ConversionApproval',
      ]);
      const steps = new Set(
        Object.values(graph?.nodes ?? {})
          .map((node) => /^(\d+) /.exec(node.name ?? '')?.[1])
          .filter((n) => n !== undefined)
          .map(Number),
      );
      expect([...steps].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    it('parses with zero moddle warnings, round-trips with the same element ids, and has a DI shape per flow node and an edge per flow', async () => {
      const require = createRequire(import.meta.url);
      const zeebe = require('zeebe-bpmn-moddle/resources/zeebe.json') as object;
      const moddle = new BpmnModdle({ zeebe });
      const xml = readFileSync(BPMN_FILE, 'utf8');
      const first = await moddle.fromXML(xml);
      expect(first.warnings ?? []).toEqual([]);
      const { xml: again } = await moddle.toXML(first.rootElement, { format: true });
      const second = await moddle.fromXML(again);
      expect(second.warnings ?? []).toEqual([]);
      expect(Object.keys(second.elementsById ?? {}).sort()).toEqual(
        Object.keys(first.elementsById ?? {}).sort(),
      );

      const elements = Object.values(first.elementsById ?? {}) as { $type: string; id: string }[];
      const diTargets = new Set(
        elements
          .filter((e) => e.$type === 'bpmndi:BPMNShape' || e.$type === 'bpmndi:BPMNEdge')
          .map((e) => (e as unknown as { bpmnElement: { id: string } }).bpmnElement.id),
      );
      const flowNodes = elements.filter(
        (e) =>
          /^bpmn:(.*(Task|Event|Gateway)|SubProcess)$/.test(e.$type) ||
          e.$type === 'bpmn:SequenceFlow',
      );
      expect(flowNodes.length).toBeGreaterThan(150);
      expect(flowNodes.filter((e) => !diTargets.has(e.id)).map((e) => e.id)).toEqual([]);
    });
  });

  describe('the on-time path, application to archive over about two and a half years', () => {
    it('walks every stage with the statuses changing at their stages and the dates the 细则 sets', async () => {
      const walk = await MemberDevelopment.start(applicant, '2026-03-02T09:00:00');
      // step 2 is due one month after the application (through the end of that day)
      expect(iso(walk.task('Task_02_Talk').dueAt ?? 0)).toBe('2026-04-03T00:00:00+08:00');
      expect(walk.task('Task_02_Talk').candidateGroups).toEqual(['secretary']);
      expect(walk.statuses).toEqual([]);

      walk.complete('Task_02_Talk', record.talk, '2026-03-20T10:00:00');
      walk.complete('Task_03_Activist', record.activist, '2026-04-10T15:00:00');
      expect(walk.statuses).toEqual([]);
      expect(walk.task('Task_04_ActivistFiling').candidateGroups).toEqual(['supervisor']);
      walk.complete('Task_04_ActivistFiling', record.activistFiling, '2026-04-20T09:00:00');
      expect(walk.statuses).toEqual([
        { status: 'activist', at: '2026-04-20T09:00:00+08:00', elementId: 'Service_Activist' },
      ]);

      walk.complete('Task_05_Contacts', record.contacts, '2026-04-25T09:00:00');
      // the half-yearly evaluation (step 6) and the quarterly thought report come by themselves
      walk.advanceTo('2026-10-21T09:00:00');
      expect(walk.tasks('Task_06_Evaluation')).toHaveLength(1);
      // the contact person evaluates (the branch's secretary may act for them)
      expect(walk.task('Task_06_Evaluation').assignee).toBe(SPONSOR_A);
      expect(walk.tasks('Task_ThoughtReport_Activist')).toHaveLength(2);
      expect(walk.task('Task_ThoughtReport_Activist').assignee).toBe(MEMBER);
      walk.completeAll('Task_06_Evaluation', record.evaluation);
      walk.completeAll('Task_ThoughtReport_Activist', record.thoughtReport);
      expect(walk.variables.evaluations).toHaveLength(1);
      expect(walk.variables.thoughtReports).toHaveLength(2);

      // step 7 does not exist until one year after step 3 (2026-04-10)
      walk.advanceTo('2027-04-09T23:59:59');
      expect(walk.tasks('Task_07_Candidate')).toHaveLength(0);
      walk.advanceTo('2027-04-10T00:00:00');
      expect(walk.tasks('Task_07_Candidate')).toHaveLength(1);
      walk.completeAll('Task_06_Evaluation', record.evaluation);
      walk.completeAll('Task_ThoughtReport_Activist', record.thoughtReport);
      walk.complete('Task_07_Candidate', record.candidate('2027-04-15'), '2027-04-15T15:00:00');
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist']);
      walk.complete('Task_08_CandidateFiling', record.candidateFiling, '2027-04-25T09:00:00');
      expect(walk.statuses[1]).toEqual({
        status: 'candidate',
        at: '2027-04-25T09:00:00+08:00',
        elementId: 'Service_Candidate',
      });
      // the training phase is over: its periodic tasks stop
      walk.advance('P1Y');
      expect(walk.tasks('Task_06_Evaluation')).toHaveLength(0);
      expect(walk.tasks('Task_ThoughtReport_Activist')).toHaveLength(0);
    });

    it('step 17 at most six months after the vote: then it is withdrawn and the case goes back to the branch', async () => {
      const walk = await toAdmissionVote();
      walk.complete(
        'Task_15_AdmissionVote',
        record.vote('2027-07-01', QUORATE),
        '2027-07-01T15:00:00',
      );
      walk.complete('Task_16_HigherTalk', record.higherTalk, '2027-07-10T09:00:00');
      // overdue after three months (escalated by the runtime), still open until six
      walk.advanceTo('2027-12-31T23:59:59');
      expect(walk.openTaskIds()).toEqual(['Task_17_AdmissionApproval']);
      walk.advanceTo('2028-01-01T00:00:00');
      expect(walk.tasks('Task_17_AdmissionApproval')).toHaveLength(0);
      expect(walk.openTaskIds()).toEqual(['Task_15_AdmissionVote']);
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate']);
      // a new vote starts a new six months
      walk.complete(
        'Task_15_AdmissionVote',
        record.vote('2028-01-10', QUORATE),
        '2028-01-10T15:00:00',
      );
      walk.complete('Task_16_HigherTalk', record.higherTalk, '2028-01-15T09:00:00');
      walk.advanceTo('2028-07-09T09:00:00');
      expect(walk.openTaskIds()).toEqual(['Task_17_AdmissionApproval']);
    });

    it('admits, serves one year of probation from the vote, converts on time and archives', async () => {
      const walk = await toAdmissionVote();
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate']);

      walk.complete(
        'Task_15_AdmissionVote',
        record.vote('2027-07-01', QUORATE),
        '2027-07-01T15:00:00',
      );
      walk.complete('Task_16_HigherTalk', record.higherTalk, '2027-07-10T09:00:00');
      // step 17 is due three months after the step-15 vote
      expect(iso(walk.task('Task_17_AdmissionApproval').dueAt ?? 0)).toBe(
        '2027-10-02T00:00:00+08:00',
      );
      expect(walk.statuses).toHaveLength(2);
      walk.complete(
        'Task_17_AdmissionApproval',
        record.admissionApproval('2027-08-15'),
        '2027-08-15T09:00:00',
      );
      expect(walk.statuses[2]).toEqual({
        status: 'probationary',
        at: '2027-08-15T09:00:00+08:00',
        elementId: 'Service_Probationary',
      });
      expect(walk.variables).toMatchObject({
        voteDate: '2027-07-01',
        probationEnd: '2028-07-01',
        probationExtended: false,
        admissionApproved: true,
        admissionVote: { entitled: 10, present: 8, votesFor: 8 },
      });
      walk.complete('Task_18_RecordFiling', record.recordFiling, '2027-08-20T09:00:00');
      walk.complete('Task_19_Group', record.group, '2027-08-22T09:00:00');
      // the oath within one month of the approval (local parameter, default P1M)
      expect(iso(walk.task('Task_20_Oath').dueAt ?? 0)).toBe('2027-09-16T00:00:00+08:00');
      walk.complete('Task_20_Oath', record.oath, '2027-09-01T09:00:00');

      // step 22 exists when probation ends (one year from the vote), not before
      walk.advanceTo('2028-06-30T23:59:59');
      expect(walk.tasks('Task_22_ConversionApplication')).toHaveLength(0);
      expect(walk.tasks('Task_ThoughtReport_Probation')).toHaveLength(3);
      walk.completeAll('Task_ThoughtReport_Probation', record.thoughtReport);
      walk.advanceTo('2028-07-01T00:00:00');
      expect(walk.task('Task_22_ConversionApplication').assignee).toBe(MEMBER);
      walk.complete(
        'Task_22_ConversionApplication',
        record.conversionApplication('2028-07-02'),
        '2028-07-02T09:00:00',
      );
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'on-time'),
        '2028-07-10T15:00:00',
      );
      expect(iso(walk.task('Task_24_ConversionApproval').dueAt ?? 0)).toBe(
        '2028-10-11T00:00:00+08:00',
      );
      expect(walk.statuses).toHaveLength(3);
      walk.complete(
        'Task_24_ConversionApproval',
        record.conversionApproval('2028-08-20'),
        '2028-08-20T09:00:00',
      );
      expect(walk.statuses[3]).toEqual({
        status: 'full',
        at: '2028-08-20T09:00:00+08:00',
        elementId: 'Service_Full',
      });
      // membership counts from the end of probation, not from the approval
      expect(walk.variables.fullMembershipFrom).toBe('2028-07-01');
      walk.complete('Task_25_Archive', record.archive, '2028-09-01T09:00:00');

      expect(walk.incidents).toEqual([]);
      expect(walk.status).toBe('completed');
      expect(walk.statuses.map((s) => s.status)).toEqual([
        'activist',
        'candidate',
        'probationary',
        'full',
      ]);
      expect(walk.trace).toContain('element.completed End_Done');
    });
  });

  describe('step 1: age ≥ 18 at the application date', () => {
    it('rejects an applicant who is 17 (one day short of 18): ended as 不予受理, no task', async () => {
      const walk = await MemberDevelopment.start(
        { ...applicant, birthDate: '2008-03-03', applicationDate: '2026-03-02' },
        '2026-03-02T09:00:00',
      );
      expect(walk.status).toBe('completed');
      expect(walk.trace).toContain('element.completed End_UnderAge');
      expect(walk.tasks()).toEqual([]);
      expect(walk.statuses).toEqual([]);
    });

    it('accepts an applicant on their 18th birthday', async () => {
      const walk = await MemberDevelopment.start(
        { ...applicant, birthDate: '2008-03-02', applicationDate: '2026-03-02' },
        '2026-03-02T09:00:00',
      );
      expect(walk.openTaskIds()).toEqual(['Task_02_Talk']);
    });

    it('raises an incident, not a silent rejection, when the birth date is missing', async () => {
      const walk = await MemberDevelopment.start(
        { ...applicant, birthDate: null },
        '2026-03-02T09:00:00',
      );
      expect(walk.status).toBe('active');
      expect(walk.incidents).toHaveLength(1);
      expect(walk.incidents[0]).toMatch(/^Gateway_Age: /);
    });
  });

  describe('step 7: not before one year after step 3', () => {
    it('the step-7 task does not exist before the anniversary of the activist date; a back-dated confirmation is sent back', async () => {
      const walk = await toActivist();
      walk.advanceTo('2027-04-09T12:00:00');
      expect(walk.tasks('Task_07_Candidate')).toHaveLength(0);
      expect(() => walk.complete('Task_07_Candidate', record.candidate('2027-04-09'))).toThrow(
        /no open task of 'Task_07_Candidate'/,
      );
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist']);

      walk.advanceTo('2027-04-10T00:00:00');
      const first = walk.task('Task_07_Candidate');
      // a confirmation dated before the anniversary is refused: the task comes back
      walk.complete('Task_07_Candidate', record.candidate('2027-04-09'));
      expect(walk.tasks('Task_07_Candidate')).toHaveLength(1);
      expect(walk.task('Task_07_Candidate').key).not.toBe(first.key);
      expect(walk.tasks('Task_08_CandidateFiling')).toHaveLength(0);
      // as is one that has not heard all four opinions
      walk.complete('Task_07_Candidate', {
        ...record.candidate('2027-04-12'),
        opinionsHeard: ['group', 'contacts'],
      });
      expect(walk.tasks('Task_08_CandidateFiling')).toHaveLength(0);

      walk.complete('Task_07_Candidate', record.candidate('2027-04-12'), '2027-04-12T09:00:00');
      expect(walk.tasks('Task_08_CandidateFiling')).toHaveLength(1);
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist']);
      walk.complete('Task_08_CandidateFiling', record.candidateFiling);
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate']);
    });

    it('a decision to keep training waits half a year before step 7 comes back', async () => {
      const walk = await toActivist();
      walk.advanceTo('2027-04-10T09:00:00');
      walk.complete('Task_07_Candidate', {
        ...record.candidate('2027-04-10'),
        approved: false,
        candidateDate: null,
        comment: '继续培养',
      });
      walk.advanceTo('2027-10-09T09:00:00');
      expect(walk.tasks('Task_07_Candidate')).toHaveLength(0);
      walk.advanceTo('2027-10-10T09:00:00');
      expect(walk.tasks('Task_07_Candidate')).toHaveLength(1);
    });

    it('the evaluation repeats every six months while the member is an activist', async () => {
      const walk = await toActivist();
      walk.advanceTo('2027-10-21T09:00:00');
      // the training phase began on 2026-04-20 with step 4: 10-20, 04-20, 10-20
      expect(walk.tasks('Task_06_Evaluation')).toHaveLength(3);
      expect(walk.tasks('Task_ThoughtReport_Activist')).toHaveLength(6);
    });

    it('each contact person gets the half-yearly evaluation; it and the thought reports are due a month after they open', async () => {
      const walk = await MemberDevelopment.start(applicant, '2026-03-02T09:00:00');
      walk.complete('Task_02_Talk', record.talk, '2026-03-20T10:00:00');
      walk.complete('Task_03_Activist', record.activist, '2026-04-10T15:00:00');
      walk.complete('Task_04_ActivistFiling', record.activistFiling, '2026-04-20T09:00:00');
      walk.complete(
        'Task_05_Contacts',
        {
          ...record.contacts,
          contacts: [
            { name: '张华', memberId: SPONSOR_A },
            { name: '陈静', memberId: SPONSOR_B },
          ],
        },
        '2026-04-25T09:00:00',
      );
      walk.advanceTo('2026-10-21T09:00:00');
      const evaluations = walk.tasks('Task_06_Evaluation');
      expect(evaluations.map((task) => task.assignee).sort()).toEqual(
        [SPONSOR_A, SPONSOR_B].sort(),
      );
      // opened at 2026-10-20T09:00 (six months after step 4): due a month later
      expect(evaluations.map((task) => iso(task.dueAt ?? 0))).toEqual([
        '2026-11-20T09:00:00+08:00',
        '2026-11-20T09:00:00+08:00',
      ]);
      expect(walk.tasks('Task_ThoughtReport_Activist').map((task) => iso(task.dueAt ?? 0))).toEqual(
        ['2026-08-20T09:00:00+08:00', '2026-11-20T09:00:00+08:00'],
      );
      walk.completeAll('Task_06_Evaluation', record.evaluation);
      expect(walk.variables.evaluations).toHaveLength(2);
    });

    it('a thought-report cycle given at start replaces the quarterly default (local parameter)', async () => {
      const walk = await MemberDevelopment.start(
        { ...applicant, thoughtReportCycle: 'R/P1M' },
        '2026-03-02T09:00:00',
      );
      walk.complete('Task_02_Talk', record.talk, '2026-03-20T10:00:00');
      walk.complete('Task_03_Activist', record.activist, '2026-04-10T15:00:00');
      walk.complete('Task_04_ActivistFiling', record.activistFiling, '2026-04-20T09:00:00');
      walk.advanceTo('2026-07-21T09:00:00');
      expect(walk.tasks('Task_ThoughtReport_Activist')).toHaveLength(3);
    });
  });

  describe('step 9: two sponsors', () => {
    // that both are full members is checked against the member directory when the task is
    // completed (test/templates/member-rules.int-spec.ts), no longer a checkbox of the form
    it('one sponsor, the same sponsor twice, or the candidate themself is sent back', async () => {
      const walk = await toCandidate();
      const [a, b] = record.sponsors.sponsors;
      for (const sponsors of [[a], [a, a], [a, { ...b, memberId: MEMBER }]]) {
        walk.complete('Task_09_Sponsors', { ...record.sponsors, sponsors });
        expect(walk.openTaskIds()).toEqual(['Task_09_Sponsors']);
      }
      walk.complete('Task_09_Sponsors', record.sponsors);
      expect(walk.openTaskIds()).toEqual(['Task_10_PoliticalReview']);
    });
  });

  describe('step 11: 集中培训 ≥ 24 学时 or ≥ 3 days', () => {
    it('the form refuses fewer than 24 hours or 3 days', () => {
      const base = { trainingEndDate: '2027-06-05', trainingOrganizer: '公司党委' };
      expect(
        formProblems('member-development-training', {
          ...base,
          trainingMeasure: 'hours',
          trainingHours: 20,
        }).map((p) => p.field),
      ).toEqual(['trainingHours']);
      expect(
        formProblems('member-development-training', {
          ...base,
          trainingMeasure: 'days',
          trainingDays: 2,
        }).map((p) => p.field),
      ).toEqual(['trainingDays']);
      expect(
        formProblems('member-development-training', { ...base, trainingMeasure: 'hours' }).map(
          (p) => p.field,
        ),
      ).toEqual(['trainingHours']);
      expect(
        formProblems('member-development-training', {
          ...base,
          trainingMeasure: 'hours',
          trainingHours: 24,
        }),
      ).toEqual([]);
      expect(
        formProblems('member-development-training', {
          ...base,
          trainingMeasure: 'days',
          trainingDays: 3,
        }),
      ).toEqual([]);
    });

    it('the engine loops back to step 11 when the record falls short, and goes on at 24 hours or 3 days', async () => {
      const walk = await toCandidate();
      walk.complete('Task_09_Sponsors', record.sponsors);
      walk.complete('Task_10_PoliticalReview', record.politicalReview, '2027-05-20T09:00:00');
      walk.complete('Task_11_Training', { ...record.training, trainingHours: 20 });
      expect(walk.openTaskIds()).toEqual(['Task_11_Training']);
      walk.complete('Task_11_Training', { ...record.training, trainingHours: 23, trainingDays: 2 });
      expect(walk.openTaskIds()).toEqual(['Task_11_Training']);
      walk.complete('Task_11_Training', {
        trainingMeasure: 'days',
        trainingHours: null,
        trainingDays: 3,
        trainingEndDate: '2027-06-05',
        trainingOrganizer: '县委组织部',
      });
      expect(walk.openTaskIds()).toEqual(['Task_12_BranchReview']);
    });
  });

  describe('step 10: political review', () => {
    it('a failed review ends the development (不能发展), with no status change', async () => {
      const walk = await toCandidate();
      walk.complete('Task_09_Sponsors', record.sponsors);
      walk.complete('Task_10_PoliticalReview', { ...record.politicalReview, approved: false });
      expect(walk.status).toBe('completed');
      expect(walk.trace).toContain('element.completed End_NotDeveloped');
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate']);
    });
  });

  describe('step 15: the vote rule (quorum and majority of 应到)', () => {
    const vote = (votes: { entitled: number; present: number; votesFor: number }) =>
      record.vote('2027-07-01', votes);

    it('entitled 10: 5 votes for fail (exactly half is not a majority), 6 pass', async () => {
      const walk = await toAdmissionVote();
      walk.advanceTo('2027-07-01T15:00:00');
      const mark = walk.trace.length;
      walk.complete('Task_15_AdmissionVote', vote({ entitled: 10, present: 9, votesFor: 5 }));
      expect(walk.activations('Throw_15_Failed', mark)).toBe(1);
      expect(walk.openTaskIds()).toEqual(['Task_15_AdmissionVote']);

      walk.complete('Task_15_AdmissionVote', vote({ entitled: 10, present: 9, votesFor: 6 }));
      expect(walk.openTaskIds()).toEqual(['Task_16_HigherTalk']);
    });

    it('present 5 of entitled 10 is no quorum, whatever the votes; present 6 is', async () => {
      const walk = await toAdmissionVote();
      walk.advanceTo('2027-07-01T15:00:00');
      const mark = walk.trace.length;
      walk.complete('Task_15_AdmissionVote', vote({ entitled: 10, present: 5, votesFor: 5 }));
      expect(walk.activations('Throw_15_NoQuorum', mark)).toBe(1);
      expect(walk.activations('Throw_15_Failed', mark)).toBe(0);
      expect(walk.openTaskIds()).toEqual(['Task_15_AdmissionVote']);

      // absent members' written opinions count in the votes, not in the quorum
      walk.complete('Task_15_AdmissionVote', {
        ...vote({ entitled: 10, present: 6, votesFor: 6 }),
        writtenOpinions: 2,
      });
      expect(walk.openTaskIds()).toEqual(['Task_16_HigherTalk']);
    });

    it('votes are counted against those entitled, not those present: 5 of 7 present, entitled 10, fails', async () => {
      const walk = await toAdmissionVote();
      walk.advanceTo('2027-07-01T15:00:00');
      const mark = walk.trace.length;
      walk.complete('Task_15_AdmissionVote', vote({ entitled: 10, present: 7, votesFor: 5 }));
      expect(walk.activations('Throw_15_Failed', mark)).toBe(1);
      expect(walk.openTaskIds()).toEqual(['Task_15_AdmissionVote']);
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate']);
    });

    it('a record that does not add up (more votes for than members entitled) is sent back, not counted', async () => {
      const walk = await toAdmissionVote();
      walk.advanceTo('2027-07-01T15:00:00');
      const mark = walk.trace.length;
      walk.complete('Task_15_AdmissionVote', vote({ entitled: 10, present: 8, votesFor: 11 }));
      walk.complete('Task_15_AdmissionVote', { voteDate: '2027-07-01', meetingNotes: '未填票数' });
      expect(walk.activations('Throw_15_Failed', mark)).toBe(0);
      expect(walk.activations('Task_15_AdmissionVote', mark)).toBe(2);
      expect(walk.openTaskIds()).toEqual(['Task_15_AdmissionVote']);
      expect(walk.incidents).toEqual([]);
    });

    it('the form refuses a step-15 record without vote numbers', async () => {
      const walk = await toAdmissionVote();
      const problems = formProblems(
        'member-development-admission-vote',
        { voteDate: '2027-07-01', meetingNotes: '会议记录' },
        walk.variables,
      );
      expect(problems.map((p) => p.field).sort()).toEqual([
        'entitled',
        'present',
        'votesAgainst',
        'votesFor',
      ]);
      expect(
        formProblems(
          'member-development-admission-vote',
          record.vote('2027-07-01', QUORATE),
          walk.variables,
        ),
      ).toEqual([]);
    });
  });

  describe('step 17: approval within three months of the vote', () => {
    it('a refusal ends the development; an approval dated before the vote is sent back', async () => {
      const walk = await toAdmissionVote();
      walk.complete(
        'Task_15_AdmissionVote',
        record.vote('2027-07-01', QUORATE),
        '2027-07-01T15:00:00',
      );
      walk.complete('Task_16_HigherTalk', record.higherTalk, '2027-07-10T09:00:00');
      walk.complete('Task_17_AdmissionApproval', record.admissionApproval('2027-06-30'));
      expect(walk.openTaskIds()).toEqual(['Task_17_AdmissionApproval']);
      // the task left open past its due date stays open (escalation is the runtime's sweep)
      walk.advanceTo('2027-12-01T09:00:00');
      expect(walk.openTaskIds()).toEqual(['Task_17_AdmissionApproval']);
      walk.complete('Task_17_AdmissionApproval', {
        approved: false,
        approvalDate: '2027-12-01',
        comment: '不同意',
      });
      expect(walk.status).toBe('completed');
      expect(walk.trace).toContain('element.completed End_NotApproved');
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate']);
    });
  });

  describe('step 23: three outcomes', () => {
    it('extend 6 months: approved, probation runs to six months after its end, then a new application and vote, then on time', async () => {
      const walk = await toConversionVote();
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'extend', QUORATE, { extensionMonths: 6 }),
        '2028-07-10T15:00:00',
      );
      // extension, like conversion and cancellation, needs the higher committee's approval
      expect(walk.openTaskIds()).toEqual(['Task_24_ConversionApproval']);
      walk.complete(
        'Task_24_ConversionApproval',
        record.conversionApproval('2028-08-01'),
        '2028-08-01T09:00:00',
      );
      expect(walk.variables).toMatchObject({ probationEnd: '2029-01-01', probationExtended: true });
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate', 'probationary']);

      walk.advanceTo('2028-12-31T23:59:59');
      expect(walk.tasks('Task_22_ConversionApplication')).toHaveLength(0);
      walk.completeAll('Task_ThoughtReport_Probation', record.thoughtReport);
      walk.advanceTo('2029-01-01T00:00:00');
      walk.complete(
        'Task_22_ConversionApplication',
        record.conversionApplication('2029-01-02'),
        '2029-01-02T09:00:00',
      );
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2029-01-08', 'on-time'),
        '2029-01-08T15:00:00',
      );
      walk.complete(
        'Task_24_ConversionApproval',
        record.conversionApproval('2029-02-01'),
        '2029-02-01T09:00:00',
      );
      expect(walk.variables.fullMembershipFrom).toBe('2029-01-01');
      expect(walk.statuses.map((s) => s.status)).toEqual([
        'activist',
        'candidate',
        'probationary',
        'full',
      ]);
      walk.complete('Task_25_Archive', { ...record.archive, archiveDate: '2029-02-10' });
      expect(walk.status).toBe('completed');
      expect(walk.incidents).toEqual([]);
    });

    it('a second extension is refused (the task comes back; probation unchanged), then cancel is possible', async () => {
      const walk = await toConversionVote();
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'extend', QUORATE, { extensionMonths: 12 }),
        '2028-07-10T15:00:00',
      );
      walk.complete(
        'Task_24_ConversionApproval',
        record.conversionApproval('2028-08-01'),
        '2028-08-01T09:00:00',
      );
      expect(walk.variables.probationEnd).toBe('2029-07-01');
      walk.advanceTo('2029-07-02T09:00:00');
      walk.completeAll('Task_ThoughtReport_Probation', record.thoughtReport);
      walk.complete('Task_22_ConversionApplication', record.conversionApplication('2029-07-02'));

      const mark = walk.trace.length;
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2029-07-05', 'extend', QUORATE, { extensionMonths: 6 }),
        '2029-07-05T15:00:00',
      );
      expect(walk.activations('Throw_23_ExtensionRefused', mark)).toBe(1);
      expect(walk.openTaskIds()).toEqual(['Task_23_ConversionVote']);
      expect(walk.variables.probationEnd).toBe('2029-07-01');

      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2029-07-06', 'cancel'),
        '2029-07-06T15:00:00',
      );
      walk.complete(
        'Task_24_ConversionApproval',
        record.conversionApproval('2029-08-01'),
        '2029-08-01T09:00:00',
      );
      expect(walk.statuses.at(-1)).toEqual({
        status: 'cancelled',
        at: '2029-08-01T09:00:00+08:00',
        elementId: 'Service_Cancelled',
      });
      expect(walk.status).toBe('completed');
      expect(walk.trace).toContain('element.completed End_Cancelled');
    });

    it('an extension outside 6–12 months is refused by the form and by the engine', async () => {
      const walk = await toConversionVote();
      const form = 'member-development-conversion-vote';
      const vote = (extra: Record<string, number>) =>
        formProblems(
          form,
          { ...record.conversionVote('2028-07-10', 'extend'), ...extra },
          walk.variables,
        ).map((p) => p.field);
      expect(vote({ extensionMonths: 5 })).toEqual(['extensionMonths']);
      expect(vote({ extensionMonths: 13 })).toEqual(['extensionMonths']);
      expect(vote({})).toEqual(['extensionMonths']);
      expect(vote({ extensionMonths: 6 })).toEqual([]);
      // not asked for when the outcome is not an extension
      expect(
        formProblems(form, record.conversionVote('2028-07-10', 'on-time'), walk.variables),
      ).toEqual([]);
      expect(
        formProblems(form, record.conversionVote('2028-07-10', 'later'), walk.variables).map(
          (p) => p.field,
        ),
      ).toEqual(['outcome']);

      walk.advanceTo('2028-07-10T15:00:00');
      const mark = walk.trace.length;
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'extend', QUORATE, { extensionMonths: 13 }),
      );
      expect(walk.activations('Throw_23_ExtensionRefused', mark)).toBe(1);
      expect(walk.openTaskIds()).toEqual(['Task_23_ConversionVote']);
      walk.complete('Task_23_ConversionVote', record.conversionVote('2028-07-10', 'maybe'));
      expect(walk.openTaskIds()).toEqual(['Task_23_ConversionVote']);
      expect(walk.incidents).toEqual([]);
    });

    it('cancel: on approval the member is cancelled and the process ends', async () => {
      const walk = await toConversionVote();
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'cancel'),
        '2028-07-10T15:00:00',
      );
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate', 'probationary']);
      walk.complete(
        'Task_24_ConversionApproval',
        record.conversionApproval('2028-08-01'),
        '2028-08-01T09:00:00',
      );
      expect(walk.statuses.map((s) => s.status)).toEqual([
        'activist',
        'candidate',
        'probationary',
        'cancelled',
      ]);
      expect(walk.status).toBe('completed');
      expect(walk.tasks()).toEqual([]);
    });

    it('the conversion vote follows the same rule: 5 of entitled 10 fails, no quorum at 5 present', async () => {
      const walk = await toConversionVote();
      walk.advanceTo('2028-07-10T15:00:00');
      const mark = walk.trace.length;
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'on-time', { entitled: 10, present: 9, votesFor: 5 }),
      );
      expect(walk.activations('Throw_23_Failed', mark)).toBe(1);
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'on-time', { entitled: 10, present: 5, votesFor: 5 }),
      );
      expect(walk.activations('Throw_23_NoQuorum', mark)).toBe(1);
      expect(walk.openTaskIds()).toEqual(['Task_23_ConversionVote']);
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'on-time', { entitled: 10, present: 6, votesFor: 6 }),
      );
      expect(walk.openTaskIds()).toEqual(['Task_24_ConversionApproval']);
    });

    it('a refusal by the higher committee sends the decision back to the branch meeting', async () => {
      const walk = await toConversionVote();
      walk.complete(
        'Task_23_ConversionVote',
        record.conversionVote('2028-07-10', 'on-time'),
        '2028-07-10T15:00:00',
      );
      walk.complete(
        'Task_24_ConversionApproval',
        { approved: false, conversionApprovalDate: '2028-08-01', comment: '材料不全' },
        '2028-08-01T09:00:00',
      );
      expect(walk.openTaskIds()).toEqual(['Task_23_ConversionVote']);
      expect(walk.statuses.map((s) => s.status)).toEqual(['activist', 'candidate', 'probationary']);
    });
  });

  describe('forms', () => {
    it('every member-development form is a form-js schema whose required fields a complete record satisfies', () => {
      const files = readdirSync(new URL('forms/', TEMPLATES)).filter((file) =>
        file.startsWith('member-development-'),
      );
      expect(files.length).toBe(24);
      const complete: Record<string, Record<string, unknown>> = {
        talk: record.talk,
        activist: record.activist,
        'activist-filing': record.activistFiling,
        contacts: record.contacts,
        evaluation: record.evaluation(0),
        'thought-report': record.thoughtReport(0),
        candidate: record.candidate('2027-04-15'),
        'candidate-filing': record.candidateFiling,
        sponsors: record.sponsors,
        'political-review': record.politicalReview,
        training: record.training,
        'branch-review': record.branchReview,
        'pre-review': record.preReview,
        'application-form': record.applicationForm,
        'admission-vote': record.vote('2027-07-01', QUORATE),
        'higher-talk': record.higherTalk,
        'admission-approval': record.admissionApproval('2027-08-15'),
        'record-filing': record.recordFiling,
        group: record.group,
        oath: record.oath,
        'conversion-application': record.conversionApplication('2028-07-02'),
        'conversion-vote': record.conversionVote('2028-07-10', 'on-time'),
        'conversion-approval': record.conversionApproval('2028-08-20'),
        archive: record.archive,
      };
      for (const file of files) {
        const id = file.replace(/\.form$/, '');
        const schema = loadForm(id);
        expect([file, schema.id]).toEqual([file, id]);
        const sample = complete[id.replace(/^member-development-/, '')];
        expect([id, sample !== undefined]).toEqual([id, true]);
        expect([id, formProblems(id, sample as never)]).toEqual([id, []]);
        // and an empty record is refused
        expect([id, formProblems(id, {}).length > 0]).toEqual([id, true]);
      }
    });

    it('the decision forms take a boolean `approved` and a `comment`, both required', () => {
      for (const form of [
        'member-development-candidate',
        'member-development-political-review',
        'member-development-branch-review',
        'member-development-pre-review',
        'member-development-admission-approval',
        'member-development-conversion-approval',
      ]) {
        const fields = formProblems(form, {}).map((p) => p.field);
        expect([form, fields.includes('approved'), fields.includes('comment')]).toEqual([
          form,
          true,
          true,
        ]);
        expect(formProblems(form, { approved: 'yes' }).map((p) => p.field)).toContain('approved');
      }
    });
  });

  it('compiles once and is shared between walks', async () => {
    expect(await templateContext()).toBe(await templateContext());
    expect(at('2026-03-02')).toBe(at('2026-03-02T00:00:00+08:00'));
  });
});
