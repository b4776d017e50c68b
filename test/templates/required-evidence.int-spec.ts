/**
 * Issue 14, part 8: the record of 五有 requires its photos. A user task declaring
 * `zeebe:properties` `ledger.requiresEvidence` = `image` (theme-day's Task_Record does, with
 * `ledger.evidenceField` = `photos`) is completed only once its ledger item holds an image;
 * before, the completion is a 400 naming the field. Through the real api.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, startApi } from '../api/api-harness.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

/** start -> a record step requiring `kind` evidence (field `photos` if named) -> end */
function recordStep(key: string, kind: string, field?: string): string {
  return `${HEAD}
<bpmn:process id="${key}" isExecutable="true">
  <bpmn:startEvent id="Start"/>
  <bpmn:userTask id="Record" name="开展活动并记录">
    <bpmn:extensionElements>
      <zeebe:assignmentDefinition candidateGroups="secretary"/>
      <zeebe:properties>
        <zeebe:property name="ledger.requiresEvidence" value="${kind}"/>
        ${field ? `<zeebe:property name="ledger.evidenceField" value="${field}"/>` : ''}
      </zeebe:properties>
    </bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="End"/>
  <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Record"/>
  <bpmn:sequenceFlow id="f2" sourceRef="Record" targetRef="End"/>
</bpmn:process>
</bpmn:definitions>
`;
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

interface Instance {
  id: string;
  state: string;
  openTasks: { id: string }[];
}
interface Problem {
  statusCode: number;
  code?: string;
  message: string;
  details?: { field: string; message: string }[];
}

describe('a step that requires its evidence (ledger.requiresEvidence)', () => {
  let api: ApiHarness;
  let photoKey: string;
  let anyKey: string;

  beforeAll(async () => {
    api = await startApi();
    photoKey = `record-photos-${api.tag}`;
    anyKey = `record-any-${api.tag}`;
    for (const xml of [recordStep(photoKey, 'image', 'photos'), recordStep(anyKey, 'any')]) {
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
    const taskId = (started.body as Instance).openTasks[0].id;
    const [item] = await api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM ledger_items WHERE task_id = $1`,
      [taskId],
    );
    return { taskId, itemId: item.id };
  };
  const upload = async (itemId: string, fileName: string, type: string, body: Buffer) => {
    const uploaded = await api.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName })
      .set('Content-Type', type)
      .send(body);
    expect(uploaded.status).toBe(201);
  };
  const complete = (taskId: string) =>
    api.http.post(`/api/tasks/${taskId}/complete`).send({ variables: {} });

  it('refuses the record without a photo (400 naming photos), a PDF is no photo; with a PNG it completes', async () => {
    const { taskId, itemId } = await start(photoKey, 1);
    const refused = await complete(taskId);
    expect(refused.status).toBe(400);
    const problem = refused.body as Problem;
    expect(problem.code).toBe('INVALID_VARIABLES');
    expect(problem.message).toContain('photos');
    expect(problem.details).toEqual([
      { field: 'photos', message: expect.stringContaining('活动照片') as unknown as string },
    ]);

    await upload(itemId, '议程.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n%%EOF\n'));
    expect((await complete(taskId)).status).toBe(400);

    await upload(itemId, '合影.png', 'image/png', PNG);
    const done = await complete(taskId);
    expect(done.status).toBe(200);
    expect((done.body as Instance).state).toBe('completed');
  });

  it('`any` asks for one attachment of any kind, named `evidence` by default', async () => {
    const { taskId, itemId } = await start(anyKey, 1);
    const refused = await complete(taskId);
    expect(refused.status).toBe(400);
    expect((refused.body as Problem).details?.map((detail) => detail.field)).toEqual(['evidence']);
    await upload(itemId, '议程.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n%%EOF\n'));
    expect((await complete(taskId)).status).toBe(200);
  });
});
