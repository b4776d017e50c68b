/**
 * Issue 14, part 8: only a unit holding approval authority (a 基层党委, or a 党总支 granted it)
 * pre-reviews and approves admissions (member development steps 13, 17, 24, offered to
 * `supervisor@approving`). A general branch's supervisor reads the step but may not claim or
 * complete it: it gets what any task not offered to it gets.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import { type ApiHarness, type SuiteUser, startApi } from '../api/api-harness.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

/** start -> one task offered to `group` -> end */
function offeredTo(key: string, group: string): string {
  return `${HEAD}
<bpmn:process id="${key}" isExecutable="true">
  <bpmn:startEvent id="Start"/>
  <bpmn:userTask id="Approve" name="审批">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="${group}"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="End"/>
  <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Approve"/>
  <bpmn:sequenceFlow id="f2" sourceRef="Approve" targetRef="End"/>
</bpmn:process>
</bpmn:definitions>
`;
}

interface Instance {
  id: string;
  state: string;
  openTasks: { id: string; elementId: string }[];
}

describe('approval authority: supervisor@approving', () => {
  let api: ApiHarness;
  let generalSupervisor: SuiteUser;
  let committeeSupervisor: SuiteUser;
  let key: string;
  let control: string;

  beforeAll(async () => {
    api = await startApi();
    key = `approval-${api.tag}`;
    control = `secretary-only-${api.tag}`;
    generalSupervisor = await api.user('general-supervisor', [
      { role: 'supervisor', orgUnitId: api.org.general },
    ]);
    committeeSupervisor = await api.user('committee-supervisor', [
      { role: 'supervisor', orgUnitId: api.org.committee },
    ]);
    for (const xml of [offeredTo(key, 'supervisor@approving'), offeredTo(control, 'secretary')]) {
      const deployed = await api.http
        .post('/api/templates')
        .set('Content-Type', 'application/xml')
        .send(xml);
      expect(deployed.status).toBe(201);
    }
  });

  afterAll(async () => {
    await api.close();
  });

  const start = async (templateKey: string, n: number) => {
    const started = await api.http.post('/api/instances').send({
      templateKey,
      businessKey: `${templateKey}:${n}`,
      orgUnitId: api.org.branchA,
    });
    expect(started.status).toBe(201);
    return (started.body as Instance).openTasks[0].id;
  };
  const answer = (response: { status: number; body: unknown }) => ({
    status: response.status,
    code: (response.body as { code?: string }).code,
  });

  it('a general branch’s supervisor cannot claim or complete the step; the committee’s can', async () => {
    const task = await start(key, 1);
    const notOffered = await start(control, 1);
    // what the api answers for a task in the unit the caller reads but that is not offered to it
    const expected = answer(await generalSupervisor.http.post(`/api/tasks/${notOffered}/claim`));
    expect(expected.status).toBe(403);
    expect(answer(await generalSupervisor.http.post(`/api/tasks/${task}/claim`))).toEqual(expected);
    expect(
      answer(
        await generalSupervisor.http.post(`/api/tasks/${task}/complete`).send({ variables: {} }),
      ),
    ).toEqual(
      answer(
        await generalSupervisor.http
          .post(`/api/tasks/${notOffered}/complete`)
          .send({ variables: {} }),
      ),
    );
    // it still reads the step (a 党总支 reviews)
    expect((await generalSupervisor.http.get(`/api/tasks/${task}`)).status).toBe(200);
    expect((await committeeSupervisor.http.post(`/api/tasks/${task}/claim`)).status).toBe(200);
    const done = await committeeSupervisor.http
      .post(`/api/tasks/${task}/complete`)
      .send({ variables: {} });
    expect(done.status).toBe(200);
    expect((done.body as Instance).state).toBe('completed');
  });

  it('a general branch granted the authority approves; withdrawn, it no longer does', async () => {
    const directory = api.app.get(OrgDirectory);
    await directory.setApprovesAdmissions(api.org.general, true, 'test');
    try {
      const task = await start(key, 2);
      expect((await generalSupervisor.http.post(`/api/tasks/${task}/claim`)).status).toBe(200);
      await directory.setApprovesAdmissions(api.org.general, null, 'test');
      expect(
        (await generalSupervisor.http.post(`/api/tasks/${task}/complete`).send({ variables: {} }))
          .status,
      ).toBe(403);
      expect((await committeeSupervisor.http.get(`/api/tasks/${task}`)).status).toBe(200);
    } finally {
      await directory.setApprovesAdmissions(api.org.general, null, 'test');
    }
  });

  describe('the inbox: a notice to group:supervisor@approving (a reminder of steps 13, 17, 24)', () => {
    /** A notice as the worker's reminder writes it, about the instance of `task`. */
    const notice = async (n: number): Promise<string> => {
      const task = await start(key, 100 + n);
      const [row] = await api.dataSource.query<{ id: string }[]>(
        `INSERT INTO notifications (recipient, kind, task_id, instance_id, title, body, dedupe_key)
         SELECT 'group:supervisor@approving', 'reminder', t.id, t.instance_id, '催办', '请审批',
                'approving-' || t.id FROM tasks t WHERE t.id = $1
         RETURNING id`,
        [task],
      );
      return row.id;
    };
    const inbox = async (user: SuiteUser): Promise<string[]> => {
      const listed = await user.http
        .get('/api/notifications')
        .query({ recipient: 'group:supervisor@approving', pageSize: 100 });
      expect(listed.status).toBe(200);
      return (listed.body as { items: { id: string }[] }).items.map((item) => item.id);
    };

    it('reaches the committee’s supervisor, not the general branch’s', async () => {
      const id = await notice(1);
      expect(await inbox(committeeSupervisor)).toContain(id);
      expect(await inbox(generalSupervisor)).not.toContain(id);
      expect((await generalSupervisor.http.post(`/api/notifications/${id}/read`)).status).toBe(404);
      expect((await committeeSupervisor.http.post(`/api/notifications/${id}/read`)).status).toBe(
        200,
      );
    });

    it('follows the authority: granted to the general branch, its supervisor sees the notice', async () => {
      const directory = api.app.get(OrgDirectory);
      const id = await notice(2);
      await directory.setApprovesAdmissions(api.org.general, true, 'test');
      try {
        expect(await inbox(generalSupervisor)).toContain(id);
        // the committee's supervisor covers the general branch: still its
        expect(await inbox(committeeSupervisor)).toContain(id);
      } finally {
        await directory.setApprovesAdmissions(api.org.general, null, 'test');
      }
      expect(await inbox(generalSupervisor)).not.toContain(id);
    });
  });
});
