/**
 * Issue 14, part 8: rules that depend on who people are, through the real api. Sponsors (入党介绍人,
 * step 9) and contact persons (培养联系人, step 5) must be full members of the organisation,
 * checked against the member directory when the step is completed: 400 naming the variable and
 * the member by name.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Member, OrgDirectory } from '@app/org';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

/** start -> one secretary's task -> end */
function oneStep(key: string): string {
  return `${HEAD}
<bpmn:process id="${key}" isExecutable="true">
  <bpmn:startEvent id="Start"/>
  <bpmn:userTask id="Record" name="记录">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="secretary"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="End"/>
  <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Record"/>
  <bpmn:sequenceFlow id="f2" sourceRef="Record" targetRef="End"/>
</bpmn:process>
</bpmn:definitions>
`;
}

interface Instance {
  id: string;
  state: string;
  openTasks: { id: string; elementId: string }[];
}

describe('member rules: sponsors and contacts are full members', () => {
  let api: ApiHarness;
  let key: string;
  let full: Member;
  let full2: Member;
  let probationary: Member;
  let activist: Member;
  let n = 0;

  beforeAll(async () => {
    api = await startApi();
    key = `member-rules-${api.tag}`;
    const directory = api.app.get(OrgDirectory);
    const member = (name: string, status: Member['status']) =>
      directory.createMember({ orgUnitId: api.org.branchA, name, status });
    full = await member('张华', 'full');
    full2 = await member('陈静', 'full');
    probationary = await member('李预备', 'probationary');
    activist = await member('王积极', 'activist');
    const deployed = await api.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(oneStep(key));
    expect(deployed.status).toBe(201);
  });

  afterAll(async () => {
    await api.close();
  });

  const openTask = async () => {
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, businessKey: `${key}:${++n}`, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    return (started.body as Instance).openTasks[0].id;
  };
  const complete = async (task: string, variables: Record<string, unknown>) =>
    api.http.post(`/api/tasks/${task}/complete`).send({ variables });

  it('a sponsor who is not a full member is refused by name; two full members pass', async () => {
    const task = await openTask();
    const refused = expectError(
      await complete(task, {
        sponsors: [
          { name: '张华', memberId: full.id },
          { name: '李预备', memberId: probationary.id },
        ],
      }),
      400,
      'INVALID_VARIABLES',
    );
    expect(refused.details).toEqual([
      {
        field: 'sponsors',
        message: expect.stringContaining(`李预备 ('${probationary.id}') is probationary`),
      },
    ]);
    expect(String(refused.message)).not.toContain('张华');
    const done = await complete(task, {
      sponsors: [
        { name: '张华', memberId: full.id },
        { name: '陈静', memberId: full2.id },
      ],
    });
    expect(done.status).toBe(200);
    expect((done.body as Instance).state).toBe('completed');
  });

  it('a contact person who is not a full member is refused by name, whatever the form says', async () => {
    const task = await openTask();
    const refused = expectError(
      await complete(task, {
        contacts: [{ name: '张华', memberId: activist.id, fullMember: true }],
      }),
      400,
      'INVALID_VARIABLES',
    );
    expect(refused.details).toEqual([
      {
        field: 'contacts',
        message: expect.stringContaining(`王积极 ('${activist.id}') is activist`),
      },
    ]);
    expect((await complete(task, { contacts: [{ memberId: full.id }] })).status).toBe(200);
  });
});
