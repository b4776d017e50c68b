/**
 * Issue 13, finding 8: a member's completion reply returned the whole instance (the plan, the
 * member list, the attendance) and the other members' open task ids. The reply shows what the
 * caller may read: for a member, the variables their task's form shows and the open tasks
 * assigned or offered to them; for a secretary, what GET /api/instances/:id shows them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, chainXml, startStack, userTaskXml } from './support/stack.js';

let s: Stack;
const KEY = 'sec-reply';

const reflectionForm = {
  id: 'sec-reflection',
  type: 'default',
  schemaVersion: 16,
  components: [
    { type: 'textarea', key: 'reflection', label: '感悟', validate: { required: true } },
  ],
};

/**
 * start -> fork -> Reflect (the member, form sec-reflection) and Other (another member) and
 * Review (the secretary) ; Reflect -> Next (the member again)
 */
function doc(member: string, other: string): string {
  const xml = chainXml(KEY, [userTaskXml('Placeholder')]);
  const body = [
    `<bpmn:startEvent id="Start"/>`,
    `<bpmn:parallelGateway id="Fork"/>`,
    userTaskXml(
      'Reflect',
      `<zeebe:assignmentDefinition assignee="${member}"/><zeebe:formDefinition formId="sec-reflection"/>`,
    ),
    userTaskXml('Next', `<zeebe:assignmentDefinition assignee="${member}"/>`),
    userTaskXml('Other', `<zeebe:assignmentDefinition assignee="${other}"/>`),
    userTaskXml('Review', `<zeebe:assignmentDefinition candidateGroups="secretary"/>`),
    `<bpmn:endEvent id="EndA"/>`,
    `<bpmn:endEvent id="EndB"/>`,
    `<bpmn:endEvent id="EndC"/>`,
    `<bpmn:sequenceFlow id="f0" sourceRef="Start" targetRef="Fork"/>`,
    `<bpmn:sequenceFlow id="f1" sourceRef="Fork" targetRef="Reflect"/>`,
    `<bpmn:sequenceFlow id="f2" sourceRef="Reflect" targetRef="Next"/>`,
    `<bpmn:sequenceFlow id="f3" sourceRef="Next" targetRef="EndA"/>`,
    `<bpmn:sequenceFlow id="f4" sourceRef="Fork" targetRef="Other"/>`,
    `<bpmn:sequenceFlow id="f5" sourceRef="Other" targetRef="EndB"/>`,
    `<bpmn:sequenceFlow id="f6" sourceRef="Fork" targetRef="Review"/>`,
    `<bpmn:sequenceFlow id="f7" sourceRef="Review" targetRef="EndC"/>`,
  ].join('\n');
  return xml.replace(
    /<bpmn:process id="[^"]+" isExecutable="true">[\s\S]*<\/bpmn:process>/,
    `<bpmn:process id="${KEY}" isExecutable="true">\n${body}\n</bpmn:process>`,
  );
}

beforeAll(async () => {
  s = await startStack('reply', { forms: { 'sec-reflection': reflectionForm } });
  await s.deploy(doc(s.users.memberA.memberId, s.members.a[1].id));
}, 120_000);

afterAll(async () => {
  await s?.close();
});

type Instance = {
  id: string;
  variables: Record<string, unknown>;
  openTasks: { id: string; elementId: string }[];
  incidents: unknown[];
};

const start = async (): Promise<Instance> => {
  const response = await s.users.secretaryA.http.post('/api/instances').send({
    templateKey: KEY,
    orgUnitId: s.api.org.branchA,
    variables: {
      plan: '学习二十届三中全会精神',
      memberIds: s.members.a.map((m) => m.id),
      attendance: s.members.a.map((m) => m.id),
    },
  });
  expect(response.status).toBe(201);
  return response.body as Instance;
};

describe('the completion reply', () => {
  it('given a member completing their own task, then the reply shows only what their form shows and their own next task', async () => {
    const started = await start();
    const reflect = started.openTasks.find((t) => t.elementId === 'Reflect')!;
    const response = await s.users.memberA.http
      .post(`/api/tasks/${reflect.id}/complete`)
      .send({ variables: { reflection: '不忘初心' } });
    expect(response.status).toBe(200);
    const reply = response.body as Instance;
    expect(reply.variables).toEqual({ reflection: '不忘初心' });
    expect(reply.openTasks.map((t) => t.elementId)).toEqual(['Next']);
    expect(reply.incidents).toEqual([]);
    const text = JSON.stringify(reply);
    for (const hidden of [
      '学习二十届三中全会精神',
      s.members.a[1].id,
      s.members.a[2].id,
      ...started.openTasks.filter((t) => t.elementId !== 'Reflect').map((t) => t.id),
    ]) {
      expect(text).not.toContain(hidden);
    }
  });

  it('given the branch’s secretary completing a task, then the reply is what GET /api/instances/:id shows them', async () => {
    const started = await start();
    const review = started.openTasks.find((t) => t.elementId === 'Review')!;
    const response = await s.users.secretaryA.http
      .post(`/api/tasks/${review.id}/complete`)
      .send({});
    expect(response.status).toBe(200);
    const fetched = await s.users.secretaryA.http.get(`/api/instances/${started.id}`);
    expect(response.body).toEqual(fetched.body);
    expect((response.body as Instance).variables.plan).toBe('学习二十届三中全会精神');
    expect((response.body as Instance).openTasks.map((t) => t.elementId).sort()).toEqual([
      'Other',
      'Reflect',
    ]);
  });
});
