import type { Page } from '@playwright/test';
import { expect, loginAs, shot, test } from './support/fixtures.js';

/**
 * The branch secretary's month (issue 15, §2): 我的待办, a step's page, its form, the evidence,
 * through this month's 主题党日 of 研发中心党支部 — opened by the worker at start-up.
 */

/** A 2 × 2 PNG: the api decides a file's type by its bytes, so this is a photo to it. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAwMDAwMDAwAAAGv0BAR2g7JQAAAAASUVORK5CYII=',
  'base64',
);

interface FormComponent {
  key?: string;
  values?: { value: string; label: string }[];
  components?: FormComponent[];
}

/** Today in Asia/Shanghai as the date field takes it (zh-CN: 2026/12/06). */
function todayInShanghai(): string {
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/** The inbox's card of a step: the link with its name. */
function stepLink(page: Page, name: string | RegExp) {
  return page.getByRole('list', { name: '待办列表' }).getByRole('link', { name });
}

/** Goes to the inbox until the step the worker opens after the last one is listed, and opens it. */
async function openFromInbox(page: Page, name: string | RegExp) {
  await expect(async () => {
    await page.goto('/inbox?template=theme-day');
    // the list as the api answered it (on a busy machine the page takes seconds to load) …
    await expect(page.getByText(/^共 \d+ 项$/)).toBeVisible({ timeout: 20_000 });
    // … holds the step, or the worker has not opened it yet: load again
    await expect(stepLink(page, name).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await stepLink(page, name).first().click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name, level: 3 })).toBeVisible();
}

/** Submits the step and waits for the page to say it is done. */
async function submitStep(page: Page) {
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await expect(page.getByText('已提交，此步骤已办结')).toBeVisible();
}

/** The option labels (member names) the api serves a picker of this step's form with. */
async function pickerNames(page: Page, key: string): Promise<string[]> {
  const taskId = new URL(page.url()).pathname.split('/').pop() ?? '';
  const response = await page.request.get(`/api/tasks/${taskId}`);
  expect(response.status()).toBe(200);
  const { form } = (await response.json()) as { form: { components: FormComponent[] } };
  const all: FormComponent[] = [];
  const walk = (components: FormComponent[] = []) =>
    components.forEach((c) => {
      all.push(c);
      walk(c.components);
    });
  walk(form.components);
  const picker = all.find((c) => c.key === key);
  return (picker?.values ?? []).map((option) => option.label);
}

/** No horizontal scrolling: the page fits the phone's width. */
async function fitsWidth(page: Page, width: number) {
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

test.describe('the secretary', () => {
  test('works this month’s theme day through every one of her steps in the forms', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    await page.goto('/inbox');
    await loginAs(page, 'secretary.branch-rd');
    await expect(page).toHaveURL(/\/inbox$/);
    await expect(page.getByRole('heading', { name: '我的待办' })).toBeVisible();

    // 我的待办: the plan step with its light (a word, not colour alone), its due date in words
    const plan = stepLink(page, '确定主题和活动方案');
    await expect(plan).toBeVisible();
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: '确定主题和活动方案' }) });
    await expect(card.getByText(/^(正常|临期|逾期)$/)).toBeVisible();
    await expect(card).toContainText(/还剩 \d+ 天|今天到期|明天到期|已逾期 \d+ 天|已过期限 \d+ 天/);
    await expect(card).toContainText('主题党日');
    await expect(card).toContainText('研发中心党支部');
    await shot(page, 'inbox');

    // the template filter narrows the list and lives in the URL (back works)
    await page.getByLabel('流程模板').fill('主题党日');
    await page.getByLabel('流程模板').press('Enter');
    await expect(page).toHaveURL(/template=theme-day/);
    await expect(stepLink(page, /政治生日|主持人/)).toHaveCount(0);
    await expect(plan).toBeVisible();

    // 1 — 确定主题和活动方案
    await plan.click();
    await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
    await expect(page.getByText('工作标准：确定本月唯一主题')).toBeVisible();
    await expect(
      page.getByRole('img', { name: /流程图，当前步骤：确定主题和活动方案/ }),
    ).toBeVisible();
    // the diagram marks this step (bpmn-js draws it; the marker is its class)
    await expect(page.locator('[data-element-id="Task_Plan"].bf-current')).toHaveCount(1);
    await expect(page.getByText('流程启动')).toBeVisible();
    await shot(page, 'task-plan');
    await page.getByLabel('本月主题').fill('学习贯彻党的二十届四中全会精神');
    await page.getByLabel('活动日期').fill(todayInShanghai());
    await page.getByLabel('活动日期').press('Enter');
    await page.getByLabel('开始时间').fill('14:30');
    await page.getByLabel('开始时间').press('Enter');
    await page.getByLabel('活动地点').fill('三楼党员活动室');
    await page
      .getByRole('textbox', { name: /活动方案/ })
      .fill('集体学习、重温入党誓词、现场交纳党费、志愿服务');
    await page.getByLabel('志愿服务').check();
    await submitStep(page);

    // 2 — 支委会审议方案 (the next step offered on the page itself)
    await page.getByRole('button', { name: /办理下一步：支委会审议方案/ }).click();
    await expect(page.getByRole('heading', { name: '支委会审议方案', level: 3 })).toBeVisible();
    // the comment is asked for only when the plan is sent back
    await page.getByLabel(/通过/).check();
    await submitStep(page);

    // 3 — 开展活动并记录, after the members' notice the worker sends
    await openFromInbox(page, '开展活动并记录');
    for (const action of [
      '佩戴党员徽章',
      '现场交纳党费',
      '重温入党誓词',
      '集体诵读',
      '政治理论学习',
      '开展组织生活',
    ]) {
      await page.getByLabel(new RegExp(action)).check();
    }
    // attendance picked by name: 7 of the branch's 8 expected members came
    const names = await pickerNames(page, 'attendance');
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) expect(name).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    const attendance = page.getByLabel(/参加党员/);
    for (const name of names.slice(0, 7)) {
      // form-js's list of matches: the name typed, the match clicked
      await attendance.fill(name);
      await page.getByText(name, { exact: true }).click();
    }
    for (const name of names.slice(0, 7)) {
      await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
    }
    await page.getByLabel('活动记录').fill('全体党员重温入党誓词，集体学习全会精神。');

    // refused by the api: no photo yet — said at the photos field, not in a toast
    await page.getByRole('button', { name: '提交', exact: true }).click();
    const photos = page.getByRole('textbox', { name: /活动照片/ });
    await expect(page.getByRole('alert').first()).toBeVisible();
    // the field's error (its accessible description) says what is missing, in Chinese
    await expect(photos).toHaveAccessibleDescription(/请先上传至少一张活动照片/);
    await expect(page.getByText('已提交，此步骤已办结')).toHaveCount(0);
    await shot(page, 'task-record-refused');

    // the evidence: a photo uploaded from the step (the phone's camera offers the same)
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: '上传佐证材料' }).click();
    await (
      await chooser
    ).setFiles({ name: '主题党日合影.png', mimeType: 'image/png', buffer: PHOTO });
    await expect(
      page
        .getByRole('list', { name: '已上传的佐证材料' })
        .getByRole('link', { name: '主题党日合影.png' }),
    ).toBeVisible();
    // the photo is chosen in the form's photos field by its name
    // (once in the list of evidence, once as the field's chosen tag)
    await expect(page.getByText('主题党日合影.png', { exact: true })).toHaveCount(2);
    await shot(page, 'task-record');
    await submitStep(page);

    // 4 — each attending member's reflection (the secretary enters them for the members)
    for (let i = 0; i < 7; i++) {
      await openFromInbox(page, /^党员撰写感悟/);
      await page.getByRole('textbox', { name: /感悟/ }).fill('重温入党誓词，更加坚定理想信念。');
      if (i === 0) await shot(page, 'task-reflection');
      await submitStep(page);
    }

    // 5 — 评价与保障, the secretary's last step (then the supervisor's check)
    await openFromInbox(page, '评价与保障');
    await page.getByRole('textbox', { name: '活动效果评价' }).click();
    await page.getByText('较好', { exact: true }).click();
    await page.getByRole('textbox', { name: '评价意见' }).fill('主题鲜明，党员参与度高');
    await page.getByRole('textbox', { name: /保障情况/ }).fill('经费和场地已落实');
    await submitStep(page);

    // none of the theme day's steps is left in her inbox
    await page.getByRole('button', { name: '返回我的待办' }).click();
    await expect(page).toHaveURL(/\/inbox$/);
    await page.goto('/inbox?template=theme-day');
    // what is left is the higher organisation's check (上级审核销号), offered to it by name
    const left = page.getByRole('list', { name: '待办列表' }).getByRole('link');
    await expect(left).toHaveText(['上级审核销号']);
    await expect(page.getByRole('listitem')).toContainText('上级党组织');
    for (const step of [
      '确定主题和活动方案',
      '支委会审议方案',
      '开展活动并记录',
      '党员撰写感悟',
      '评价与保障',
    ]) {
      await expect(stepLink(page, new RegExp(step))).toHaveCount(0);
    }
    await shot(page, 'inbox-after-theme-day');
    // she may look at the check, not do it
    await stepLink(page, '上级审核销号').click();
    await expect(page.getByText(/您可以查看，不能办理/)).toBeVisible();
    await expect(page.getByRole('button', { name: '提交', exact: true })).toHaveCount(0);
  });
});

test.describe('the secretary on a phone (375 px)', () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test('the inbox, a step’s form and the evidence upload fit the width', async ({ page }) => {
    await page.goto('/inbox');
    await loginAs(page, 'secretary.branch-it');
    const plan = stepLink(page, '确定主题和活动方案');
    await expect(plan).toBeVisible();
    await fitsWidth(page, 375);
    await shot(page, 'inbox-375');

    // the menu is a drawer
    await page.getByRole('button', { name: '打开菜单' }).click();
    await expect(page.getByRole('menu', { name: '主菜单' })).toBeVisible();
    await page.keyboard.press('Escape');

    await plan.click();
    await expect(page.getByLabel('本月主题')).toBeVisible();
    await expect(page.getByRole('button', { name: '上传佐证材料' })).toBeVisible();
    await expect(page.getByRole('button', { name: '拍照上传' })).toBeVisible();
    await fitsWidth(page, 375);
    // a required field left empty is said at the field, in Chinese
    await page.getByRole('button', { name: '提交', exact: true }).click();
    await expect(page.getByText('此项为必填项。').first()).toBeVisible();
    await fitsWidth(page, 375);
    await shot(page, 'task-plan-375');

    // back returns to the inbox
    await page.goBack();
    await expect(page).toHaveURL(/\/inbox$/);
  });
});
