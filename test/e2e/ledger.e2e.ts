import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { expect, loggedInPage, sampleUser, shot, test } from './support/fixtures.js';

/**
 * The 组织部 supervisor's 台账 (issue 15): the three lists with search and filters in the URL,
 * an item opened by hand for 生产运营党支部 (not branch-rd: secretary.e2e works its theme day),
 * the branch secretary's submission with a photo, 退回 with a reason, 批量销号 (refused whole
 * when one item is no longer 已提交, then done), 回头看, the timeline by name, the exports, and
 * another branch's secretary finding nothing at the item's address.
 */

/** A 2 × 2 PNG: the api decides a file's type by its bytes, so this is a photo to it. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAwMDAwMDAwAAAGv0BAR2g7JQAAAAASUVORK5CYII=',
  'base64',
);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const BRANCH = 'branch-production';
const BRANCH_NAME = '生产运营党支部';
/** The api's CSRF guard: a write sent with the session cookie carries this header. */
const WRITE = { 'X-Requested-With': 'XMLHttpRequest' };

/** `datetime-local` text in Asia/Shanghai, `days` from now at 18:00. */
function shanghaiLocal(days: number): string {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(Date.now() + days * 86_400_000));
  return `${day}T18:00`;
}

async function post(request: APIRequestContext, url: string, data: object) {
  const response = await request.post(url, { data, headers: WRITE });
  expect(response.status(), `${url}: ${await response.text()}`).toBeLessThan(300);
  return (await response.json()) as { id: string; state: string };
}

/** The item's state tag on its page. */
function stateTag(page: Page, word: string) {
  return page.locator('.ant-card').first().getByText(word, { exact: true });
}

/** The timeline's entry of this kind (the n-th, from 0). */
function entry(page: Page, kind: string, n = 0) {
  return page.locator(`[data-entry-kind="${kind}"]`).nth(n);
}

/** Types into a searching select and clicks the option the api found (its title is its name). */
async function pick(page: Page, field: Locator, text: string) {
  await field.fill(text);
  await page
    .locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${text}"]`)
    .click();
}

async function fitsWidth(page: Page, width: number) {
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

test.describe('the supervisor’s ledger', () => {
  test('lists, opens by hand, rejects, closes in bulk, reopens and exports', async ({
    browser,
    sampleUsers,
  }) => {
    test.setTimeout(240_000);
    const tag = `E2E${Date.now().toString(36).slice(-5).toUpperCase()}`;
    const supervisorName = sampleUser(sampleUsers, 'supervisor').name;
    const secretaryName = sampleUser(sampleUsers, `secretary.${BRANCH}`).name;

    // — the supervisor opens /ledger: the lists as tabs, filters in the URL
    const sup = await loggedInPage(browser, 'supervisor');
    await sup.goto('/ledger');
    await expect(sup.getByRole('heading', { name: '挂账销号台账' })).toBeVisible();
    await expect(sup.getByRole('tab', { name: '问题清单' })).toBeVisible();
    await expect(sup.getByRole('tab', { name: '责任清单' })).toBeVisible();
    await sup.getByRole('tab', { name: '任务清单' }).click();
    await expect(sup).toHaveURL(/list=task/);
    await pick(sup, sup.getByLabel('责任单位'), BRANCH_NAME);
    await expect(sup).toHaveURL(new RegExp(`unit=${BRANCH}`));
    // the worker's theme day of the branch is on the task list, by name
    const rows = sup.locator('.ant-table-tbody tr.ant-table-row');
    await expect(rows.first()).toBeVisible();
    await expect(sup.locator('.ant-table-tbody')).toContainText(BRANCH_NAME);
    await expect(sup.locator('.ant-table-tbody')).toContainText('主题党日');
    await expect(sup.locator('.ant-table-tbody')).not.toContainText(UUID);
    await expect(sup.locator('.ant-table-tbody')).not.toContainText('研发中心党支部');
    await shot(sup, 'ledger-list-task');
    // back goes to the previous filter
    await sup.goBack();
    await expect(sup).toHaveURL(/list=task/);
    await expect(sup).not.toHaveURL(/unit=/);

    // — 新增事项: a labelled form; the unit and the person picked by name
    const members = (await (
      await sup.request.get(`/api/members?orgUnitId=${BRANCH}&pageSize=5`)
    ).json()) as { items: { id: string; name: string }[] };
    const responsible = members.items[0];
    await sup.goto('/ledger?list=problem');
    await sup.getByRole('button', { name: '新增事项' }).click();
    const modal = sup.getByRole('dialog', { name: '新增台账事项' });
    await expect(modal.getByLabel('清单')).toBeVisible();
    await modal.getByRole('button', { name: '保存' }).click();
    await expect(modal.getByText('请填写事项名称')).toBeVisible();
    await expect(modal.getByText('请选择责任单位')).toBeVisible();
    const titleA = `${tag} 党员学习记录不全`;
    await modal.getByLabel('事项名称').fill(titleA);
    await modal.getByLabel('工作标准').fill('补齐全年学习记录并经支委会审核');
    // the api looks the unit and the member up by name as they are typed
    await pick(sup, modal.getByLabel('责任单位'), BRANCH_NAME);
    await pick(sup, modal.getByLabel('责任人'), responsible.name);
    // 考核部门 follows the unit: its parent
    await expect(modal).toContainText('生产经营党总支');
    await modal.getByLabel('完成时间').fill(shanghaiLocal(20));
    await shot(sup, 'ledger-create');
    await modal.getByRole('button', { name: '保存' }).click();
    await expect(sup).toHaveURL(/\/ledger\/items\/[0-9a-f-]{36}$/);
    const idA = new URL(sup.url()).pathname.split('/').pop()!;
    await expect(sup.getByRole('heading', { name: titleA, level: 3 })).toBeVisible();
    await expect(stateTag(sup, '挂账')).toBeVisible();
    await expect(sup.getByText(responsible.name, { exact: true })).toBeVisible();
    await expect(sup.getByText(BRANCH_NAME).first()).toBeVisible();
    await expect(entry(sup, 'opened')).toContainText(supervisorName);
    await expect(sup.locator('main, .ant-layout-content').first()).not.toContainText(UUID);

    // three more, opened through the api as the form does
    const more = async (title: string) =>
      post(sup.request, '/api/ledger/items', {
        list: 'problem',
        title: `${tag} ${title}`,
        standard: `${title}：按时完成并上传佐证材料`,
        orgUnitId: BRANCH,
        responsible: responsible.id,
        assessingUnitId: 'general-2',
        dueAt: `${shanghaiLocal(15)}:00+08:00`,
      });
    const [itemB, itemC, itemD] = [
      await more('支委会会议纪要归档'),
      await more('谈心谈话记录补齐'),
      await more('党费收缴台账核对'),
    ];

    // — the branch's secretary submits A with a photo from the page, B–D through the api
    const sec = await loggedInPage(browser, `secretary.${BRANCH}`);
    await sec.goto(`/ledger?q=${encodeURIComponent(tag)}`);
    await expect(sec.getByRole('link', { name: titleA })).toBeVisible();
    await expect(sec.getByRole('button', { name: '新增事项' })).toHaveCount(0);
    await sec.getByRole('link', { name: titleA }).click();
    await expect(sec.getByRole('button', { name: '拍照上传' })).toBeVisible();
    await sec
      .locator('input[type=file]')
      .first()
      .setInputFiles({ name: '学习记录照片.png', mimeType: 'image/png', buffer: PHOTO });
    await expect(sec.getByRole('img', { name: '学习记录照片.png' })).toBeVisible();
    await sec.getByRole('button', { name: '提交', exact: true }).click();
    const submitModal = sec.getByRole('dialog');
    await expect(submitModal).toContainText('学习记录照片.png');
    await submitModal.getByLabel('情况说明').fill('已补齐学习记录，附照片');
    await submitModal.getByRole('button', { name: '确认提交佐证材料' }).click();
    await expect(stateTag(sec, '已提交')).toBeVisible();
    await expect(entry(sec, 'submitted')).toContainText(secretaryName);
    await expect(entry(sec, 'submitted')).toContainText('学习记录照片.png');
    await shot(sec, 'ledger-item-submitted');
    for (const item of [itemB, itemC, itemD]) {
      await post(sec.request, `/api/ledger/items/${item.id}/submit`, { note: '已整改完毕' });
    }

    // — the supervisor rejects A: an empty reason is refused at the field first
    await sup.goto(`/ledger/items/${idA}`);
    await expect(stateTag(sup, '已提交')).toBeVisible();
    // the photo: a thumbnail that opens larger
    await sup.getByRole('img', { name: '学习记录照片.png' }).click();
    const preview = sup.locator('.ant-image-preview');
    await expect(preview.locator('img')).toBeVisible();
    await expect(preview).not.toHaveClass(/fade-enter/);
    await sup.keyboard.press('Escape');
    // gone, or fading out (headless Chromium may leave its fade-out unfinished at opacity 0)
    await expect(async () => {
      const state =
        (await preview.count()) === 0 || (await preview.isHidden())
          ? 'gone'
          : await preview.getAttribute('class');
      expect(state).toMatch(/gone|fade-leave/);
    }).toPass();
    await sup.getByRole('button', { name: '退回', exact: true }).click();
    const rejectModal = sup.getByRole('dialog');
    await rejectModal.getByRole('button', { name: '确认退回' }).click();
    await expect(rejectModal.getByText('请填写退回原因')).toBeVisible();
    await expect(stateTag(sup, '已提交')).toBeVisible();
    await rejectModal.getByLabel('退回原因').fill('照片看不清，请补充支委会审核记录');
    await rejectModal.getByRole('button', { name: '确认退回' }).click();
    await expect(rejectModal).toBeHidden();
    await expect(stateTag(sup, '整改中')).toBeVisible();
    await expect(entry(sup, 'rejected')).toContainText(supervisorName);
    await expect(entry(sup, 'rejected')).toContainText(
      '退回原因：照片看不清，请补充支委会审核记录',
    );
    await expect(entry(sup, 'opened')).toContainText(supervisorName);
    await expect(entry(sup, 'submitted')).toContainText(secretaryName);
    await shot(sup, 'ledger-item-rejected');

    // — 批量销号: B, C and D selected; D is closed meanwhile (another tab): refused whole
    await sup.goto(`/ledger?q=${encodeURIComponent(tag)}&state=submitted`);
    await expect(sup).toHaveURL(/state=submitted/);
    await expect(rows).toHaveCount(3);
    const row = (title: string) => rows.filter({ hasText: `${tag} ${title}` });
    for (const title of ['支委会会议纪要归档', '谈心谈话记录补齐', '党费收缴台账核对']) {
      await row(title).getByRole('checkbox').check();
    }
    await expect(sup.getByRole('button', { name: '批量销号（3 项）' })).toBeEnabled();
    await shot(sup, 'ledger-list-selected');
    await post(sup.request, `/api/ledger/items/${itemD.id}/verify`, {});
    await sup.getByRole('button', { name: '批量销号（3 项）' }).click();
    await sup.getByRole('dialog').getByRole('button', { name: '确认销号 3 项' }).click();
    const refusal = sup.getByRole('alert').filter({ hasText: '批量销号未完成' });
    await expect(refusal).toBeVisible();
    await expect(refusal).toContainText('已提交');
    await shot(sup, 'ledger-bulk-refused');
    // nothing was closed: B and C are still 已提交 (D went by the other tab)
    await expect(rows).toHaveCount(2);
    for (const title of ['支委会会议纪要归档', '谈心谈话记录补齐']) {
      await row(title).getByRole('checkbox').check();
    }
    await sup.getByRole('button', { name: '批量销号（2 项）' }).click();
    const confirm = sup.getByRole('dialog');
    await expect(confirm).toContainText(`${tag} 支委会会议纪要归档`);
    await confirm.getByLabel('销号意见（选填）').fill('佐证材料齐全');
    // the answer first, so that a refusal says why (once in CI the toast never came)
    const answered = sup.waitForResponse(
      (response) =>
        response.request().method() === 'POST' &&
        new URL(response.url()).pathname === '/api/ledger/items/verify',
    );
    await confirm.getByRole('button', { name: '确认销号 2 项' }).click();
    const answer = await answered;
    expect(answer.status(), await answer.text()).toBe(200);
    await expect(sup.getByText('已销号 2 项')).toBeVisible();
    await expect(rows).toHaveCount(0);
    await expect(sup.getByText('没有符合条件的事项')).toBeVisible();
    await sup.getByLabel('状态').click();
    await sup.locator('.ant-select-item-option[title="已销号"]').click();
    await expect(sup).toHaveURL(/state=closed/);
    await expect(rows).toHaveCount(3);

    // — 回头看: D reopened with a reason; its timeline in names
    await sup.goto(`/ledger/items/${itemD.id}`);
    await expect(stateTag(sup, '已销号')).toBeVisible();
    await sup.getByRole('button', { name: '回头看' }).click();
    const reopenModal = sup.getByRole('dialog');
    await reopenModal.getByRole('button', { name: '确认回头看' }).click();
    await expect(reopenModal.getByText('请填写回头看发现的问题')).toBeVisible();
    await reopenModal.getByLabel('回头看发现的问题（原因）').fill('抽查发现三月党费未核对');
    await reopenModal.getByRole('button', { name: '确认回头看' }).click();
    await expect(stateTag(sup, '整改中')).toBeVisible();
    await expect(entry(sup, 'opened')).toContainText(supervisorName);
    await expect(entry(sup, 'submitted')).toContainText(secretaryName);
    await expect(entry(sup, 'closed')).toContainText(supervisorName);
    await expect(entry(sup, 'reopened')).toContainText('原因：抽查发现三月党费未核对');
    await expect(entry(sup, 'reopened')).toContainText(supervisorName);
    await expect(sup.getByText('重新打开 1 次')).toBeVisible();
    await shot(sup, 'ledger-item-reopened');

    // — the exports: the buttons download with the current filters
    await sup.goto(`/ledger?q=${encodeURIComponent(tag)}`);
    await expect(rows).toHaveCount(4);
    await shot(sup, 'ledger-list-problem');
    const excel = sup.getByRole('link', { name: /导出 Excel/ });
    const csv = sup.getByRole('link', { name: /导出 CSV/ });
    await expect(excel).toHaveAttribute('href', new RegExp(`q=${tag}`));
    const [xlsxDownload] = await Promise.all([sup.waitForEvent('download'), excel.click()]);
    expect(xlsxDownload.suggestedFilename()).toMatch(/\.xlsx$/);
    const [csvDownload] = await Promise.all([sup.waitForEvent('download'), csv.click()]);
    expect(csvDownload.suggestedFilename()).toMatch(/\.csv$/);
    const xlsxResponse = await sup.request.get((await excel.getAttribute('href'))!);
    expect(xlsxResponse.status()).toBe(200);
    expect(xlsxResponse.headers()['content-type']).toBe(XLSX);
    const csvResponse = await sup.request.get((await csv.getAttribute('href'))!);
    expect(csvResponse.status()).toBe(200);
    expect(csvResponse.headers()['content-type']).toMatch(/^text\/csv/);
    const csvText = await csvResponse.text();
    expect(csvText).toContain(`${tag} 党员学习记录不全`);
    expect(csvText.split('\r\n').filter((line) => line.includes(tag))).toHaveLength(4);

    // — another branch's secretary: the item's address shows the not-found page
    const other = await loggedInPage(browser, 'secretary.branch-marketing');
    await other.goto(`/ledger/items/${idA}`);
    await expect(other.getByText('页面不存在或您无权查看')).toBeVisible();
    await expect(other.getByText(titleA)).toHaveCount(0);
    await shot(other, 'ledger-item-not-found');
    await other.goto('/ledger/items/not-an-item');
    await expect(other.getByText('页面不存在或您无权查看')).toBeVisible();

    // — the secretary on a phone: the list and the item fit 375 px
    const phone = await loggedInPage(browser, `secretary.${BRANCH}`, 375);
    await phone.goto(`/ledger?q=${encodeURIComponent(tag)}`);
    await expect(phone.getByRole('link', { name: titleA })).toBeVisible();
    await fitsWidth(phone, 375);
    await shot(phone, 'ledger-list-phone');
    // 完成月份 (the month an item is due) says 全部月份 while empty, not the browser's
    // 「--------- ----」; a month long past leaves none of this test's items
    const month = phone.getByLabel('完成月份');
    await expect(month).toHaveAttribute('placeholder', '全部月份');
    await month.focus();
    await expect(month).toHaveAttribute('type', 'month');
    await month.fill('2020-01');
    await expect(phone).toHaveURL(/month=2020-01/);
    await expect(phone.getByRole('link', { name: titleA })).toHaveCount(0);
    await month.blur();
    await expect(month).toHaveValue('2020-01');
    await shot(phone, 'ledger-list-phone-month');
    await phone.goto(`/ledger?q=${encodeURIComponent(tag)}`);
    await phone.getByRole('link', { name: titleA }).click();
    await expect(entry(phone, 'rejected')).toContainText('照片看不清');
    await expect(phone.getByRole('button', { name: '拍照上传' })).toBeVisible();
    // after the rejection she reports progress (a note is required)
    await phone.getByRole('button', { name: '报告进展' }).click();
    const progress = phone.getByRole('dialog');
    await progress.getByRole('button', { name: '确认报告进展' }).click();
    await expect(progress.getByText('请填写进展情况')).toBeVisible();
    await progress.getByLabel('进展情况').fill('已请支委会补签审核意见');
    await progress.getByRole('button', { name: '确认报告进展' }).click();
    await expect(progress).toBeHidden();
    await expect(entry(phone, 'progress')).toContainText(secretaryName);
    await expect(entry(phone, 'progress')).toContainText('说明：已请支委会补签审核意见');
    await fitsWidth(phone, 375);
    await shot(phone, 'ledger-item-phone');
  });
});
