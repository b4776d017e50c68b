import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import ExcelJS from 'exceljs';
import { HttpRobot, OK } from '../worker/support/http-robot.js';
import { expect, loginAs, shot, test } from './support/fixtures.js';

/**
 * 组织管理 (issue 15, Organisation): the committee's admin works the tree and a new branch of
 * 生产经营党总支 — a member, a roster (refused row by row, then imported), a user for the member
 * with the role 支部书记, a group robot tested from the page. A secretary is refused /org.
 */

const BRANCH = '新能源党支部';
const HEADER = '姓名,性别,出生日期,入党日期,转正日期,人员类别,所在党组织,党员编号,联系电话';

function csv(rows: readonly string[]): Buffer {
  return Buffer.from(`\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`, 'utf8');
}

/** The sample roster of the seeded organisation: 24 members in its six branches (docs/import.md). */
const SAMPLE_ROSTER = fileURLToPath(new URL('../../samples/roster.xlsx', import.meta.url));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An .xlsx roster as Excel writes it: the header, then the rows (a Date is a date cell). */
async function xlsx(rows: readonly (string | Date | null)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('花名册');
  sheet.addRow(HEADER.split(','));
  for (const row of rows) sheet.addRow([...row]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The value an Ant Design Statistic titled `title` shows. */
function statistic(page: Page, title: string): Locator {
  return page
    .locator('.ant-statistic')
    .filter({ has: page.locator('.ant-statistic-title', { hasText: new RegExp(`^${title}$`) }) })
    .locator('.ant-statistic-content-value');
}

/** How many members the api lists in the unit's subtree. */
async function memberTotal(page: Page, unitId: string): Promise<number> {
  const response = await page.request.get(`/api/members?orgUnitId=${unitId}&pageSize=1`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { total: number }).total;
}

function tree(page: Page): Locator {
  return page.getByRole('tree', { name: '组织树' });
}

function modal(page: Page, title: string | RegExp): Locator {
  return page.getByRole('dialog').filter({ has: page.getByText(title) });
}

/** Picks an option of an Ant Design select whose search asks the api (typing a part of a name). */
async function pick(page: Page, field: Locator, typed: string, option: string | RegExp) {
  await field.click();
  await field.fill(typed);
  await page.locator('.ant-select-dropdown:visible').getByText(option).first().click();
}

test.describe('organisation administration', () => {
  const robot = new HttpRobot().on('/wecom', () => ({ status: 200, body: OK }));
  test.beforeAll(async () => robot.start());
  test.afterAll(async () => robot.stop());

  test('the admin builds a branch: member, roster, user with a role, a tested robot', async ({
    page,
  }) => {
    const tag = Date.now().toString(36).slice(-5);
    const branchName = `${BRANCH}${tag}`;
    await loginAs(page, 'admin');
    await page.goto('/org');

    // the tree by names, its top level open
    await expect(tree(page).getByText('集团公司党委', { exact: true })).toBeVisible();
    await expect(tree(page).getByText('科技研发党总支', { exact: true })).toBeVisible();
    await expect(tree(page).getByText('生产经营党总支', { exact: true })).toBeVisible();
    await expect(page.getByText('请在左侧组织树中选择一个党组织')).toBeVisible();
    await shot(page, 'org-tree');

    // a new branch under 生产经营党总支
    await tree(page).getByText('生产经营党总支', { exact: true }).click();
    await expect(page).toHaveURL(/\/org\/units\/general-2$/);
    await expect(page.getByRole('heading', { name: /生产经营党总支/ })).toBeVisible();
    await page.getByRole('button', { name: '新建下级组织' }).click();
    const create = modal(page, '在「生产经营党总支」下新建组织');
    await create.getByLabel('名称').fill(branchName);
    await expect(create.getByLabel('党组织编号')).toHaveValue(/^general-2-/);
    await create.getByRole('button', { name: '新建' }).click();
    await expect(page.getByRole('heading', { name: new RegExp(branchName) })).toBeVisible();
    await expect(page).toHaveURL(/\/org\/units\/general-2-[a-z0-9]+$/);
    await expect(tree(page).getByText(branchName)).toBeVisible();
    await expect(page.getByText('该党组织还没有党员')).toBeVisible();

    // a member: status in Chinese, 入党纪念日 from the admission date
    await page.getByRole('button', { name: '新增党员' }).click();
    const member = modal(page, /新增党员（/);
    await member.getByLabel('姓名').fill('林晓燕');
    await member.getByLabel('出生日期').fill('1990-05-20');
    await member.getByLabel('入党日期').fill('2015-07-01');
    await member.getByLabel('联系电话').fill('13800001111');
    await member.getByRole('button', { name: '保存' }).click();
    const row = page.getByRole('row', { name: /林晓燕/ });
    await expect(row).toContainText('正式党员');
    await expect(row).toContainText('7月1日');
    await expect(row).toContainText('1990/05/20');
    await shot(page, 'org-unit-members');

    // a roster with a bad row: the report names the row and the column, nothing is written
    await page.getByRole('tab', { name: '导入花名册' }).click();
    await expect(page).toHaveURL(/tab=import/);
    await page.locator('#roster-file').setInputFiles({
      name: '花名册-有错.csv',
      mimeType: 'text/csv',
      buffer: csv([
        `周建华,男,1985-03-12,2010-06-30,2011-06-30,正式党员,${branchName},,13900002222`,
        `吴小红,女,1990-13-01,,,入党积极分子,${branchName},,`,
      ]),
    });
    await page.getByRole('button', { name: '开始导入' }).click();
    await expect(page.getByRole('alert')).toContainText('花名册有 1 处错误，未导入任何数据');
    const report = page.getByRole('table').filter({ has: page.getByText('行号') });
    const bad = report.getByRole('row', { name: /出生日期/ });
    await expect(bad.getByRole('cell').nth(0)).toHaveText('3');
    await expect(bad.getByRole('cell').nth(1)).toHaveText('出生日期');
    await expect(bad.getByRole('cell').nth(2)).toHaveText('「1990-13-01」不是有效的日期');
    await shot(page, 'org-import-refused');

    // the corrected roster: two created (林晓燕 unchanged is not in it)
    await page.locator('#roster-file').setInputFiles({
      name: '花名册.csv',
      mimeType: 'text/csv',
      buffer: csv([
        `周建华,男,1985-03-12,2010-06-30,2011-06-30,正式党员,${branchName},,13900002222`,
        `吴小红,女,1990-12-01,,,入党积极分子,${branchName},,`,
      ]),
    });
    await page.getByRole('button', { name: '开始导入' }).click();
    await expect(page.getByText('导入完成')).toBeVisible();
    await expect(page.locator('.ant-statistic').filter({ hasText: '新增' })).toContainText('2');
    await expect(page.locator('.ant-statistic').filter({ hasText: '无变化' })).toContainText('0');
    await shot(page, 'org-import-done');
    await page.getByRole('tab', { name: '党员' }).click();
    await expect(page.getByText('共 3 人')).toBeVisible();
    await expect(page.getByRole('row', { name: /吴小红/ })).toContainText('入党积极分子');

    // a user for the member, then the role 支部书记
    await page.getByRole('tab', { name: '用户' }).click();
    await page.getByRole('button', { name: '新建用户' }).click();
    const user = modal(page, /新建用户（/);
    await pick(page, user.getByLabel('对应党员'), '林', '林晓燕');
    await expect(user.getByLabel('姓名')).toHaveValue('林晓燕');
    await user.getByLabel('登录名').fill(`lin.${tag}`);
    await user.getByRole('button', { name: '创建' }).click();
    const password = modal(page, '用户已创建');
    await expect(password).toContainText('林晓燕的初始密码');
    await password.getByRole('button', { name: '我已记下' }).click();
    await expect(password).toBeHidden();
    await expect(user).toBeHidden();
    const userRow = page.getByRole('row', { name: new RegExp(`lin\\.${tag}`) });
    await expect(userRow).toContainText('无角色');
    await expect(userRow).toContainText('待首次登录');
    await userRow.getByRole('button', { name: '授予角色' }).click();
    const grant = modal(page, '授予角色：林晓燕');
    await grant.getByLabel(`在${branchName}的角色`).click();
    await page.locator('.ant-select-dropdown:visible').getByText('支部书记').click();
    await grant.getByRole('button', { name: '授予' }).click();
    await expect(userRow).toContainText('支部书记');
    await shot(page, 'org-unit-users');

    // a WeCom robot; 测试发送 shows what it answered; the key is never shown back
    await page.getByRole('tab', { name: '通知渠道' }).click();
    await expect(page.getByText('还没有通知渠道')).toBeVisible();
    await page.getByRole('button', { name: '添加渠道' }).click();
    const channel = modal(page, /添加通知渠道/);
    await channel.getByLabel('名称').fill('新能源支部工作群');
    await channel
      .getByLabel('机器人地址（Webhook）')
      .fill(`${robot.url('/wecom')}?key=secretKey${tag}`);
    await channel.getByRole('button', { name: '添加' }).click();
    const channelRow = page.getByRole('row', { name: /新能源支部工作群/ });
    await expect(channelRow).toContainText('key=***');
    await expect(page.getByText(`secretKey${tag}`)).toHaveCount(0);
    await channelRow.getByRole('button', { name: '测试发送' }).click();
    await expect(channelRow.getByRole('status')).toContainText('发送成功');
    await expect(channelRow.getByRole('status')).toContainText('渠道应答');
    expect(robot.requestsTo('/wecom')).toHaveLength(1);
    await shot(page, 'org-unit-channels');

    // a robot URL the api refuses is said in Chinese in the form
    await page.getByRole('button', { name: '添加渠道' }).click();
    await channel.getByLabel('名称').fill('外部地址');
    await channel.getByLabel('机器人地址（Webhook）').fill('https://example.com/hook?key=1');
    await channel.getByRole('button', { name: '添加' }).click();
    await expect(channel.getByRole('alert')).toContainText('不允许使用该机器人地址');
    await expect(channel.getByRole('alert')).not.toContainText(/must be|not allowed/);
    await shot(page, 'org-channel-refused');
    await channel.getByRole('button', { name: '取消' }).click();

    // back returns to the previous tab of the unit
    await page.goBack();
    await expect(page).toHaveURL(/tab=users/);
  });

  test('the admin checks the sample roster (.xlsx), is shown the bad rows of another, imports a third', async ({
    page,
  }) => {
    await loginAs(page, 'admin');
    const before = await memberTotal(page, 'committee');

    // samples/roster.xlsx, checked only, on the committee (its rows name branches of both
    // general branches): the page shows what the api answers for the same dry run
    await page.goto('/org/units/committee?tab=import');
    await expect(page.getByRole('heading', { name: /集团公司党委/ })).toBeVisible();
    await page.locator('#roster-file').setInputFiles(SAMPLE_ROSTER);
    await expect(page.getByText('roster.xlsx')).toBeVisible();
    await page.getByRole('checkbox', { name: '仅检查，不导入' }).check();
    await page.getByRole('button', { name: '开始检查' }).click();
    await expect(page.getByText('检查通过，未写入任何数据')).toBeVisible();
    const answer = await page.request.post(
      '/api/org/import?orgUnitId=committee&dryRun=true&fileName=roster.xlsx',
      {
        data: await readFile(SAMPLE_ROSTER),
        headers: { 'Content-Type': XLSX, 'X-Requested-With': 'XMLHttpRequest' },
      },
    );
    expect(answer.status()).toBe(200);
    const counts = (await answer.json()) as {
      created: number;
      updated: number;
      unchanged: number;
      dryRun: boolean;
    };
    expect(counts.dryRun).toBe(true);
    // every one of the sample's 24 rows is counted once; the seeded members carry no 党员编号
    // and other birth dates, so the sample organisation answers 24 to create
    expect(counts.created + counts.updated + counts.unchanged).toBe(24);
    expect(counts.created).toBe(24);
    await expect(statistic(page, '将新增')).toHaveText(String(counts.created));
    await expect(statistic(page, '将更新')).toHaveText(String(counts.updated));
    await expect(statistic(page, '无变化')).toHaveText(String(counts.unchanged));
    await shot(page, 'org-import-xlsx-dry-run');
    // checked twice, written never: the subtree has as many members as before
    expect(await memberTotal(page, 'committee')).toBe(before);

    // an .xlsx with bad rows: each is listed by 行号 / 列 / 原因 in Chinese, nothing written
    await page.getByRole('checkbox', { name: '仅检查，不导入' }).uncheck();
    await page.locator('#roster-file').setInputFiles({
      name: '花名册-有错.xlsx',
      mimeType: XLSX,
      buffer: await xlsx([
        [
          '钱海峰',
          '男',
          new Date(Date.UTC(1986, 3, 2)),
          '2012-07-01',
          '2013-07-01',
          '正式党员',
          '质量安全党支部',
          null,
          null,
        ],
        ['孙丽萍', '女', '1991-02-30', null, null, '入党积极分子', '市场营销党支部', null, null],
        [
          '郑国强',
          '男',
          '1979-08-15',
          '2001-06-20',
          '2002-06-20',
          '正式党员',
          '新材料党支部',
          null,
          null,
        ],
      ]),
    });
    await page.getByRole('button', { name: '开始导入' }).click();
    await expect(page.getByRole('alert')).toContainText('花名册有 2 处错误，未导入任何数据');
    const report = page.getByRole('table', { name: '花名册错误' });
    await expect(report.getByRole('row')).toHaveCount(3);
    const birth = report.getByRole('row', { name: /出生日期/ });
    await expect(birth.getByRole('cell')).toHaveText([
      '3',
      '出生日期',
      '「1991-02-30」不是有效的日期',
    ]);
    const unit = report.getByRole('row', { name: /所在党组织/ });
    await expect(unit.getByRole('cell')).toHaveText([
      '4',
      '所在党组织',
      '找不到党组织「新材料党支部」（或不在您管理的范围内）',
    ]);
    await expect(report).not.toContainText(/[a-z]{4,}/);
    await shot(page, 'org-import-xlsx-refused');
    expect(await memberTotal(page, 'committee')).toBe(before);

    // A real import of samples/roster.xlsx would add four members to each seeded branch —
    // branch-rd's theme day (secretary.e2e.ts) expects its 8 members — so the real .xlsx goes
    // into a branch of this test's own, under 生产经营党总支.
    const tag = Date.now().toString(36).slice(-5);
    const branch = { id: `general-2-x${tag}`, name: `新材料党支部${tag}` };
    const created = await page.request.post('/api/org-units', {
      data: { ...branch, parentId: 'general-2', kind: 'branch' },
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    expect(created.status()).toBe(201);
    const good = await xlsx([
      [
        '钱海峰',
        '男',
        new Date(Date.UTC(1986, 3, 2)),
        new Date(Date.UTC(2012, 6, 1)),
        new Date(Date.UTC(2013, 6, 1)),
        '正式党员',
        branch.name,
        `XC${tag}1`,
        '13900003333',
      ],
      ['孙丽萍', '女', '1991/2/28', null, null, '入党积极分子', branch.name, null, null],
      [
        '郑国强',
        '男',
        '1979年8月15日',
        '2001-06-20',
        null,
        '预备党员',
        `生产经营党总支/${branch.name}`,
        null,
        null,
      ],
    ]);
    await page.goto(`/org/units/${branch.id}?tab=import`);
    await expect(page.getByRole('heading', { name: new RegExp(branch.name) })).toBeVisible();
    await page.locator('#roster-file').setInputFiles({
      name: '新材料花名册.xlsx',
      mimeType: XLSX,
      buffer: good,
    });
    // checked first, then imported from the check's result without choosing the file again
    await page.getByRole('checkbox', { name: '仅检查，不导入' }).check();
    await page.getByRole('button', { name: '开始检查' }).click();
    await expect(statistic(page, '将新增')).toHaveText('3');
    expect(await memberTotal(page, branch.id)).toBe(0);
    await page.getByRole('button', { name: '按检查结果导入' }).click();
    await expect(page.getByText('导入完成')).toBeVisible();
    await expect(statistic(page, '新增')).toHaveText('3');
    await expect(statistic(page, '更新')).toHaveText('0');
    await expect(statistic(page, '无变化')).toHaveText('0');
    await shot(page, 'org-import-xlsx-done');
    expect(await memberTotal(page, branch.id)).toBe(3);
    await page.getByRole('tab', { name: '党员' }).click();
    await expect(page.getByText('共 3 人')).toBeVisible();
    await expect(page.getByRole('row', { name: /钱海峰/ })).toContainText('1986/04/02');
    await expect(page.getByRole('row', { name: /钱海峰/ })).toContainText('7月1日');
    await expect(page.getByRole('row', { name: /郑国强/ })).toContainText('预备党员');

    // the same file again changes nothing
    await page.getByRole('tab', { name: '导入花名册' }).click();
    await page
      .locator('#roster-file')
      .setInputFiles({ name: '新材料花名册.xlsx', mimeType: XLSX, buffer: good });
    await page.getByRole('button', { name: '开始导入' }).click();
    await expect(statistic(page, '无变化')).toHaveText('3');
    await expect(statistic(page, '新增')).toHaveText('0');
    expect(await memberTotal(page, branch.id)).toBe(3);
  });

  test('a secretary is told that only organisation admins manage the organisation', async ({
    page,
  }) => {
    await loginAs(page, 'secretary.branch-production');
    await page.goto('/org');
    await expect(page.getByText('只有组织管理员可以管理组织')).toBeVisible();
    await expect(page.getByRole('tree')).toHaveCount(0);
    await page.goto('/org/units/general-2');
    await expect(page.getByText('只有组织管理员可以管理组织')).toBeVisible();
    await expect(page.getByText('生产经营党总支')).toHaveCount(0);
    await shot(page, 'org-secretary-refused');
  });
});
