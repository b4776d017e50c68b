import type { Locator, Page } from '@playwright/test';
import { expect, loginAs, shot, test } from './support/fixtures.js';

/**
 * The integrator's 流程模板 pages (issue 15, §4): a broken BPMN uploaded and its problems shown
 * on its diagram, a good one deployed as version 1 and again as version 2, a version's diagram
 * and forms; an admin starts a member's development by hand, choosing the applicant by name; a
 * secretary is refused the pages in Chinese.
 */

const TAG = Date.now().toString(36);
const KEY = `e2e-visit-${TAG}`;
const FORM_ID = `e2e-visit-record-${TAG}`;

/**
 * A small template with its diagram: 开始 → 填写走访记录 (user task, form FORM_ID, due in
 * `due`) → 通知党员 (service task of type `job`) → 结束.
 */
function visitBpmn({ due, job, taskName }: { due: string; job: string; taskName: string }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${KEY}" name="走访慰问困难党员" isExecutable="true">
    <bpmn:startEvent id="Start" name="开始"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Record" name="${taskName}">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="${FORM_ID}" />
        <zeebe:assignmentDefinition candidateGroups="secretary" />
        <zeebe:taskSchedule dueDate="${due}" />
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="Task_Notify" name="通知党员">
      <bpmn:extensionElements><zeebe:taskDefinition type="${job}" /></bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="End" name="结束"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Task_Record" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Record" targetRef="Task_Notify" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Notify" targetRef="End" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram"><bpmndi:BPMNPlane id="Plane" bpmnElement="${KEY}">
    <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Task_Record_di" bpmnElement="Task_Record"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Task_Notify_di" bpmnElement="Task_Notify"><dc:Bounds x="400" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="562" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F2_di" bpmnElement="F2"><di:waypoint x="340" y="120" /><di:waypoint x="400" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F3_di" bpmnElement="F3"><di:waypoint x="500" y="120" /><di:waypoint x="562" y="120" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

const RECORD_FORM = {
  type: 'default',
  components: [
    { type: 'textfield', key: 'visited', label: '走访对象', validate: { required: true } },
    { type: 'textarea', key: 'notes', label: '走访情况' },
  ],
};

interface UploadFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const bpmnFile = (text: string): UploadFile => ({
  name: `${KEY}.bpmn`,
  mimeType: 'application/octet-stream',
  buffer: Buffer.from(text),
});
const formFile: UploadFile = {
  name: `${FORM_ID}.form`,
  mimeType: 'application/octet-stream',
  buffer: Buffer.from(JSON.stringify(RECORD_FORM)),
};

/** 上传部署: the button opens the file chooser; the files are chosen together. */
async function upload(page: Page, files: UploadFile[]) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: '上传部署' }).click();
  await (await chooser).setFiles(files);
}

/** Picks an option of an Ant Design select that asks the api as one types part of a name. */
async function pick(page: Page, field: Locator, typed: string, option: string) {
  // The options are replaced when the api's answer to what was typed arrives: a click on the
  // option being replaced can be lost, so pick again until the select has closed on it.
  await expect(async () => {
    await field.click();
    await field.fill(typed);
    await page
      .locator('.ant-select-dropdown:visible')
      .getByTitle(option, { exact: true })
      .click({ timeout: 5_000 });
    await expect(field).toHaveAttribute('aria-expanded', 'false', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
}

/** The diagram's shape of an element (bpmn-js draws it as a group with its id). */
function shape(page: Page, elementId: string) {
  return page.locator(`.bf-diagram [data-element-id="${elementId}"]`).first();
}

test('an integrator uploads a broken template, sees its problems on its diagram, then deploys it as v1 and v2', async ({
  page,
}) => {
  await loginAs(page, 'integrator');
  await expect(page).toHaveURL(/\/templates$/);
  await expect(page.getByRole('heading', { name: '流程模板', level: 3 })).toBeVisible();
  const list = page.getByRole('table');
  // the templates the api deployed at start, by name, with who deployed them
  const themeDay = page.getByRole('row', { name: /主题党日/ });
  await expect(themeDay).toContainText('theme-day');
  await expect(themeDay).toContainText('系统（启动时部署）');
  await expect(themeDay).toContainText(/\d+ 个/);
  await shot(page, 'templates-list');

  // A broken file: a FEEL syntax error, a service task type nobody handles, its form not given
  await upload(page, [
    bpmnFile(visitBpmn({ due: '=if x = null then', job: 'fax-members', taskName: '填写走访记录' })),
  ]);
  const refused = page.getByRole('region', { name: '部署未通过' });
  await expect(refused).toBeVisible();
  await expect(refused).toContainText(`「${KEY}.bpmn」未能部署`);
  await expect(refused).toContainText(/流程模板「.+」有误，未能部署：共 2 处问题/);
  const problems = refused.getByRole('list', { name: '模板的问题' });
  await expect(problems.getByRole('listitem')).toHaveCount(2);
  await expect(problems.getByRole('listitem').filter({ hasText: 'Task_Record' })).toContainText(
    '用户任务「填写走访记录」（Task_Record）：zeebe:taskSchedule dueDate 不是有效的 FEEL 表达式',
  );
  await expect(problems.getByRole('listitem').filter({ hasText: 'Task_Notify' })).toContainText(
    '服务任务「通知党员」（Task_Notify）：服务任务类型「fax-members」没有对应的处理程序',
  );
  // the uploaded diagram, drawn in the browser, marks exactly the offending elements
  await expect(shape(page, 'Task_Record')).toHaveClass(/\bbf-problem\b/);
  await expect(shape(page, 'Task_Notify')).toHaveClass(/\bbf-problem\b/);
  await expect(shape(page, 'Start')).not.toHaveClass(/\bbf-problem\b/);
  await expect(page.locator('.bjs-powered-by')).toBeVisible();
  await shot(page, 'templates-refused');
  await expect(list.getByRole('link', { name: '走访慰问困难党员' })).toHaveCount(0);

  // The same file fixed, but without its form: the missing form is named
  const good = visitBpmn({ due: 'P7D', job: 'notify-members', taskName: '填写走访记录' });
  await upload(page, [bpmnFile(good)]);
  await expect(refused.getByRole('listitem')).toHaveCount(1);
  await expect(refused).toContainText(`找不到表单「${FORM_ID}」：请把 ${FORM_ID}.form`);
  await expect(shape(page, 'Task_Record')).toHaveClass(/\bbf-problem\b/);
  await expect(shape(page, 'Task_Notify')).not.toHaveClass(/\bbf-problem\b/);

  // With its form: version 1
  await upload(page, [bpmnFile(good), formFile]);
  await expect(
    page.getByRole('alert').filter({ hasText: '已部署「走访慰问困难党员」第 1 版，含表单 1 个' }),
  ).toBeVisible();
  await expect(refused).toHaveCount(0);
  const row = page.getByRole('row', { name: /走访慰问困难党员/ });
  await expect(row).toContainText('第 1 版');
  await expect(row).toContainText('流程模板管理员');
  await expect(row).toContainText('0 个');
  // deployed once for the one choice of two files
  await expect(page.getByText('未产生新版本')).toHaveCount(0);
  await shot(page, 'templates-deployed');

  // Changed (a step renamed): version 2
  await upload(page, [
    bpmnFile(visitBpmn({ due: 'P7D', job: 'notify-members', taskName: '填写走访慰问记录' })),
    formFile,
  ]);
  await expect(
    page.getByRole('alert').filter({ hasText: '已部署「走访慰问困难党员」第 2 版，含表单 1 个' }),
  ).toBeVisible();
  await expect(row).toContainText('第 2 版');
  await expect(row).toContainText('共 2 版');

  // Its page: the latest version's diagram, its form and the task using it; every version
  await row.getByRole('link', { name: '走访慰问困难党员' }).click();
  await expect(page).toHaveURL(new RegExp(`/templates/${KEY}$`));
  await expect(page.getByRole('heading', { name: '走访慰问困难党员', level: 3 })).toBeVisible();
  await expect(page.getByText('最新版本')).toBeVisible();
  await expect(shape(page, 'Task_Record')).toBeVisible();
  await expect(shape(page, 'Task_Record')).toContainText('填写走访慰问记录');
  const forms = page.getByRole('list', { name: '此版本的表单' });
  await expect(forms).toContainText(FORM_ID);
  await expect(forms).toContainText('用于：填写走访慰问记录');
  // an integrator deploys; starting is for those who keep the units
  await expect(page.getByRole('button', { name: '发起流程' })).toHaveCount(0);
  await expect(page.getByText('发起流程由组织管理员、党组织书记或督导人员操作')).toBeVisible();
  await shot(page, 'template-detail');

  // Version 1 from the list of versions: its own diagram, an address of its own; back returns
  await page
    .getByRole('table', { name: '全部版本' })
    .getByRole('link', { name: '第 1 版' })
    .click();
  await expect(page).toHaveURL(new RegExp(`/templates/${KEY}\\?version=1$`));
  await expect(page.getByText('历史版本')).toBeVisible();
  await expect(shape(page, 'Task_Record')).toContainText('填写走访记录');
  await page.goBack();
  await expect(page.getByText('最新版本')).toBeVisible();

  // A key nobody deployed: the not-found page
  await page.goto(`/templates/none-${TAG}`);
  await expect(page.getByText('页面不存在或您无权查看')).toBeVisible();
});

test('an admin starts a member’s development by hand, choosing the applicant by name', async ({
  page,
}) => {
  await loginAs(page, 'admin');
  // the applicant of 质量安全党支部, as the admin's member look-up finds them
  const found = await page.request.get('/api/members?orgUnitId=branch-quality&status=applicant');
  expect(found.status()).toBe(200);
  const applicants = ((await found.json()) as { items: { name: string }[] }).items;
  expect(applicants.length).toBeGreaterThan(0);
  const applicant = applicants[0];

  await page.goto('/templates/member-development');
  await expect(page.getByRole('heading', { name: '发展党员', level: 3 })).toBeVisible();
  const running = page.getByRole('table', { name: '全部版本' }).getByRole('row').nth(1);
  const before = Number(await running.getByRole('cell').nth(3).innerText());

  await page.getByRole('button', { name: '发起流程' }).click();
  const dialog = page.getByRole('dialog', { name: /发起流程：发展党员/ });
  await expect(dialog).toBeVisible();
  // nothing chosen: said at the fields
  await dialog.getByRole('button', { name: '发起' }).click();
  await expect(dialog.getByText('请选择党组织')).toBeVisible();

  await pick(page, dialog.getByLabel('所属党组织'), '质量', '质量安全党支部');
  await pick(page, dialog.getByLabel('入党申请人'), applicant.name.slice(0, 1), applicant.name);
  await expect(dialog.getByLabel('递交入党申请书的日期')).not.toHaveValue('');
  await dialog.getByLabel('业务编号（可不填）').fill(`发展党员-${TAG}`);
  await shot(page, 'template-start-form');
  await dialog.getByRole('button', { name: '发起' }).click();

  await expect(dialog.getByText('流程已发起')).toBeVisible();
  await expect(dialog.getByText(/当前步骤：.*党组织派人谈话/)).toBeVisible();
  // an admin administers the organisation and does not read its affairs (the instance page
  // would be not found to her): no link to it
  await expect(dialog.getByRole('link', { name: '查看流程实例' })).toHaveCount(0);
  await shot(page, 'template-start-done');
  await dialog.getByRole('button', { name: '完成' }).click();

  // the same business key again in the same unit: refused, said at the field
  await page.getByRole('button', { name: '发起流程' }).click();
  await pick(page, dialog.getByLabel('所属党组织'), '质量', '质量安全党支部');
  await pick(page, dialog.getByLabel('入党申请人'), applicant.name.slice(0, 1), applicant.name);
  await dialog.getByLabel('业务编号（可不填）').fill(`发展党员-${TAG}`);
  await dialog.getByRole('button', { name: '发起' }).click();
  await expect(dialog.getByRole('alert').first()).toContainText(
    `质量安全党支部已有业务编号为「发展党员-${TAG}」的「发展党员（五个阶段二十五个步骤）」流程实例`,
  );
  await expect(dialog).not.toContainText('branch-quality');
  await shot(page, 'template-start-duplicate');
  await dialog.getByRole('button', { name: '取消' }).click();

  // one more running on the latest version
  await expect(running.getByRole('cell').nth(3)).toHaveText(String(before + 1));
});

test('a secretary opening the templates pages is refused in Chinese', async ({ page }) => {
  await loginAs(page, 'secretary.branch-office');
  await page.goto('/templates');
  await expect(page.getByText('无权进行此操作')).toBeVisible();
  await expect(page.getByText('只有流程管理员或组织管理员可以执行此操作')).toBeVisible();
  await expect(page.getByRole('button', { name: '上传部署' })).toHaveCount(0);
  await shot(page, 'templates-secretary');
  await page.goto('/templates/theme-day');
  await expect(page.getByText('只有流程管理员或组织管理员可以执行此操作')).toBeVisible();
});
