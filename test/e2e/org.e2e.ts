import type { Locator, Page } from '@playwright/test';
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
