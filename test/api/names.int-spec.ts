import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import { formWithMemberNames } from '../../apps/api/src/tasks/task-names.js';
import { type ApiHarness, startApi } from './api-harness.js';

/** Issue 14, part 5: names, not ids, wherever a person reads. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const NO_IDS = (text: string) => {
  expect(text).not.toMatch(UUID);
  expect(text).not.toContain('group:');
};

const pickForm = {
  id: 'names-pick',
  type: 'default',
  components: [
    { type: 'taglist', key: 'attendance', label: '参加党员', valuesKey: 'memberIds', id: 'f1' },
  ],
};

const sponsorsForm = {
  id: 'names-sponsors',
  type: 'default',
  components: [
    {
      type: 'dynamiclist',
      path: 'sponsors',
      id: 'f2',
      components: [
        {
          type: 'select',
          key: 'memberId',
          label: '入党介绍人',
          valuesKey: 'members:full',
          validate: { required: true },
          id: 'f3',
        },
      ],
    },
  ],
};

function sponsorsTemplate(key: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="${key}" name="确定入党介绍人" isExecutable="true">
  <bpmn:startEvent id="Start"/>
  <bpmn:userTask id="Task_Sponsors" name="确定入党介绍人">
    <bpmn:extensionElements>
      <zeebe:assignmentDefinition candidateGroups="secretary" />
      <zeebe:formDefinition formId="names-sponsors" />
    </bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="End"/>
  <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Task_Sponsors"/>
  <bpmn:sequenceFlow id="f2" sourceRef="Task_Sponsors" targetRef="End"/>
</bpmn:process>
</bpmn:definitions>
`;
}

function template(key: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="${key}" name="学习活动" isExecutable="true">
  <bpmn:startEvent id="Start"/>
  <bpmn:userTask id="Task_Pick" name="登记参加人员">
    <bpmn:extensionElements>
      <zeebe:assignmentDefinition candidateGroups="secretary" />
      <zeebe:formDefinition formId="names-pick" />
    </bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:userTask id="Task_Reflection" name="党员撰写感悟">
    <bpmn:extensionElements>
      <zeebe:assignmentDefinition assignee="=item" />
    </bpmn:extensionElements>
    <bpmn:multiInstanceLoopCharacteristics>
      <bpmn:extensionElements>
        <zeebe:loopCharacteristics inputCollection="=attendance" inputElement="item" />
      </bpmn:extensionElements>
    </bpmn:multiInstanceLoopCharacteristics>
  </bpmn:userTask>
  <bpmn:endEvent id="End"/>
  <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Task_Pick"/>
  <bpmn:sequenceFlow id="f2" sourceRef="Task_Pick" targetRef="Task_Reflection"/>
  <bpmn:sequenceFlow id="f3" sourceRef="Task_Reflection" targetRef="End"/>
</bpmn:process>
</bpmn:definitions>
`;
}

interface Task {
  id: string;
  name: string;
  assignee: string | null;
  assigneeName: string | null;
  candidates: { id: string; name: string; kind: string }[];
  orgUnitName: string | null;
  templateName: string | null;
  form?: { components: { values?: { value: string; label: string }[]; valuesKey?: string }[] };
}

describe('api: names, not ids, wherever a person reads', () => {
  let api: ApiHarness;
  let key: string;
  let zhang: string;
  let li: string;
  let instanceId: string;

  beforeAll(async () => {
    api = await startApi({ forms: { 'names-pick': pickForm, 'names-sponsors': sponsorsForm } });
    key = `names-${api.tag}`;
    const directory = api.app.get(OrgDirectory);
    zhang = (
      await directory.createMember({ orgUnitId: api.org.branchA, name: '张三', status: 'full' })
    ).id;
    li = (
      await directory.createMember({ orgUnitId: api.org.branchA, name: '李四', status: 'full' })
    ).id;
    // forms deploy with their template (issue 14): a bundle { bpmn, forms }
    const deployed = await api.http
      .post('/api/templates')
      .send({ bpmn: template(key), forms: { 'names-pick': pickForm } });
    expect(deployed.status).toBe(201);
    const started = await api.http.post('/api/instances').send({
      templateKey: key,
      orgUnitId: api.org.branchA,
      variables: { memberIds: [zhang, li] },
    });
    expect(started.status).toBe(201);
    instanceId = (started.body as { id: string }).id;
  });

  afterAll(async () => {
    await api?.close();
  });

  const tasks = async (): Promise<Task[]> => {
    const listed = await api.http.get(`/api/tasks?instanceId=${instanceId}&state=open`);
    expect(listed.status).toBe(200);
    return (listed.body as { items: Task[] }).items;
  };

  it('a task names its candidates (a role over the unit), its unit and its template', async () => {
    const [pick] = await tasks();
    expect(pick).toMatchObject({
      name: '登记参加人员',
      assigneeName: null,
      candidates: [{ id: 'secretary', name: '第一支部 书记', kind: 'group' }],
      orgUnitName: '第一支部',
      templateName: '学习活动',
    });
    NO_IDS(
      JSON.stringify([
        pick.name,
        pick.assigneeName,
        pick.candidates.map((c) => c.name),
        pick.orgUnitName,
      ]),
    );
  });

  it('the form offers the members by name, their ids as the values', async () => {
    const [pick] = await tasks();
    const detail = await api.http.get(`/api/tasks/${pick.id}`);
    expect(detail.status).toBe(200);
    const [field] = (detail.body as Task).form!.components;
    expect(field.valuesKey).toBeUndefined();
    expect(field.values).toEqual([
      { value: zhang, label: '张三' },
      { value: li, label: '李四' },
    ]);
    NO_IDS(field.values!.map((option) => option.label).join(' '));
  });

  it('each multi-instance task carries whose it is, in its name and its assignee name', async () => {
    const [pick] = await tasks();
    const done = await api.http
      .post(`/api/tasks/${pick.id}/complete`)
      .send({ variables: { attendance: [zhang, li] } });
    expect(done.status).toBe(200);
    // the completion's answer already names them
    const open = (done.body as { openTasks: { name: string }[] }).openTasks.map((t) => t.name);
    expect(open.sort()).toEqual(['党员撰写感悟 — 李四', '党员撰写感悟 — 张三'].sort());
    const listed = await tasks();
    expect(listed.map((t) => [t.name, t.assignee, t.assigneeName]).sort()).toEqual(
      [
        ['党员撰写感悟 — 张三', zhang, '张三'],
        ['党员撰写感悟 — 李四', li, '李四'],
      ].sort(),
    );
    for (const task of listed) NO_IDS(`${task.name} ${task.assigneeName} ${task.orgUnitName}`);
  });

  it('the history names its actors', async () => {
    const history = await api.http.get(`/api/instances/${instanceId}/history`);
    expect(history.status).toBe(200);
    const items = (history.body as { items: { actor: string; actorName: string }[] }).items;
    expect(items.some((item) => item.actor === api.admin.userId)).toBe(true);
    for (const item of items) NO_IDS(item.actorName);
    expect(items.find((item) => item.actor === api.admin.userId)?.actorName).toBe(
      `admin-${api.tag}`,
    );
  });

  it("each multi-instance task's ledger item title carries whose it is, like the task row", async () => {
    const listed = await api.http.get(`/api/ledger/items?instanceId=${instanceId}`);
    expect(listed.status).toBe(200);
    const titles = (listed.body as { items: { title: string }[] }).items.map((item) => item.title);
    expect(titles.sort()).toEqual(
      ['登记参加人员', '党员撰写感悟 — 张三', '党员撰写感悟 — 李四'].sort(),
    );
    const csv = await api.http.get(`/api/ledger/export.csv?orgUnitId=${api.org.branchA}`);
    expect(csv.text).toContain('党员撰写感悟 — 张三');
    expect(csv.text).toContain('党员撰写感悟 — 李四');
  });

  it('the ledger export shows 责任人 and 责任单位 by name', async () => {
    const csv = await api.http.get(`/api/ledger/export.csv?orgUnitId=${api.org.branchA}`);
    expect(csv.status).toBe(200);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    const header = lines[0].split(',');
    const rows = lines
      .slice(1)
      .map((line) => line.split(','))
      .filter(
        (cells) =>
          cells[header.indexOf('事项')].startsWith('党员撰写感悟') ||
          cells[header.indexOf('事项')] === '登记参加人员',
      );
    expect(rows.length).toBe(3);
    const people = rows.map((cells) => cells[header.indexOf('责任人')]).sort();
    expect(people).toEqual(['张三', '李四', '第一支部 书记'].sort());
    for (const cells of rows) {
      expect(cells[header.indexOf('责任单位')]).toBe('第一支部');
      // every column but 编号 (the id for machines) is for people
      NO_IDS(cells.filter((_, i) => header[i] !== '编号').join(','));
    }
  });

  it('the sponsors picker offers the full members of the unit by name; the ids stay the values', async () => {
    const directory = api.app.get(OrgDirectory);
    const wang = await directory.createMember({
      orgUnitId: api.org.branchA,
      name: '王五',
      status: 'probationary',
    });
    const zhao = await directory.createMember({
      orgUnitId: api.org.branchB,
      name: '赵六',
      status: 'full',
    });
    const sponsorsKey = `names-sp-${api.tag}`;
    const deployed = await api.http
      .post('/api/templates')
      .send({ bpmn: sponsorsTemplate(sponsorsKey), forms: { 'names-sponsors': sponsorsForm } });
    expect(deployed.status).toBe(201);
    const start = async () => {
      const started = await api.http
        .post('/api/instances')
        .send({ templateKey: sponsorsKey, orgUnitId: api.org.branchA, variables: {} });
      expect(started.status).toBe(201);
      const id = (started.body as { id: string }).id;
      const listed = await api.http.get(`/api/tasks?instanceId=${id}&state=open`);
      return (listed.body as { items: Task[] }).items[0];
    };
    const task = await start();
    const detail = await api.http.get(`/api/tasks/${task.id}`);
    expect(detail.status).toBe(200);
    const [list] = (detail.body as Task).form!.components as unknown as {
      components: { valuesKey?: string; values?: { value: string; label: string }[] }[];
    }[];
    const [picker] = list.components;
    expect(picker.valuesKey).toBeUndefined();
    // the unit's full members (张三, 李四 and whoever the fixtures hold), never the probationary
    // 王五 nor 赵六 of another branch; each labelled by name
    expect(picker.values).toEqual(
      expect.arrayContaining([
        { value: zhang, label: '张三' },
        { value: li, label: '李四' },
      ]),
    );
    const values = picker.values!.map((option) => option.value);
    expect(values).not.toContain(wang.id);
    expect(values).not.toContain(zhao.id);
    NO_IDS(picker.values!.map((option) => option.label).join(' '));
    // the server accepts the ids the picker offers
    const done = await api.http
      .post(`/api/tasks/${task.id}/complete`)
      .send({ variables: { sponsors: [{ memberId: zhang }, { memberId: li }] } });
    expect(done.status).toBe(200);
    // and refuses a member it does not offer (not a full member), naming the variable
    const other = await start();
    const refused = await api.http
      .post(`/api/tasks/${other.id}/complete`)
      .send({ variables: { sponsors: [{ memberId: zhang }, { memberId: wang.id }] } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('sponsors');
  });

  it('a picker over FORM_MEMBER_OPTIONS_MAX offers no values but names the member lookup', async () => {
    const form = await formWithMemberNames(
      api.dataSource.manager,
      sponsorsForm,
      {},
      { orgUnitId: api.org.branchA, maxOptions: 1 },
    );
    const [list] = form.components as unknown as { components: Record<string, unknown>[] }[];
    expect(list.components[0]).toMatchObject({
      key: 'memberId',
      searchable: true,
      properties: { memberLookup: `/api/members?orgUnitId=${api.org.branchA}` },
    });
    expect(list.components[0].values).toBeUndefined();
    expect(list.components[0].valuesKey).toBeUndefined();
  });
});
