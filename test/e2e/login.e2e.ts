import {
  DEV_PASSWORD,
  expect,
  loginAs,
  loginButton,
  sampleUser,
  shot,
  test,
} from './support/fixtures.js';

/** Logging in and out of the web app, deep links, the not-found page (issue 15, part 1). */
test.describe('log-in', () => {
  test('the log-in page refuses a wrong password in Chinese, then lets the secretary in', async ({
    page,
    sampleUsers,
  }) => {
    const secretary = sampleUser(sampleUsers, 'secretary.branch-rd');
    await page.goto('/login');
    await expect(page).toHaveTitle(/党建/);
    await expect(page.getByLabel('用户名')).toBeVisible();
    await expect(page.getByLabel('密码', { exact: true })).toBeVisible();
    await expect(loginButton(page)).toBeVisible();
    await shot(page, 'login');

    // both fields empty: the form says what is missing, at the fields
    await loginButton(page).click();
    await expect(page.getByText('请输入用户名')).toBeVisible();
    await expect(page.getByText('请输入密码')).toBeVisible();

    await page.getByLabel('用户名').fill(secretary.loginName);
    await page.getByLabel('密码', { exact: true }).fill('not-the-password');
    await loginButton(page).click();
    await expect(page.getByRole('alert')).toContainText('用户名或密码错误');
    await expect(page).toHaveURL(/\/login$/);
    await shot(page, 'login-refused');

    await page.getByLabel('密码', { exact: true }).fill(DEV_PASSWORD);
    await loginButton(page).click();
    await expect(page).not.toHaveURL(/\/login/);
    // the layout: the menu by role, the person's name and unit, 退出登录
    await expect(page.getByRole('menu', { name: '主菜单' })).toBeVisible();
    await expect(page.getByText(secretary.name).first()).toBeVisible();
    await expect(page.getByText(secretary.orgUnitName).first()).toBeVisible();
    await expect(page.getByRole('button', { name: /退出登录/ })).toBeVisible();
    await shot(page, 'home-secretary');

    await page.getByRole('button', { name: /退出登录/ }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto('/inbox');
    await expect(page).toHaveURL(/\/login\?next=%2Finbox$/);
  });

  test('a deep link while logged out goes to the log-in page and back after it', async ({
    page,
  }) => {
    await page.goto('/inbox');
    await expect(page).toHaveURL(/\/login\?next=%2Finbox$/);
    await loginAs(page, 'secretary.branch-rd');
    await expect(page).toHaveURL(/\/inbox$/);
    await expect(page.getByRole('menu', { name: '主菜单' })).toBeVisible();
    // the browser's back button does not return to the log-in form
    await page.goBack();
    await expect(page).not.toHaveURL(/\/login/);
  });

  test('an unknown URL shows the not-found page inside the layout', async ({ page }) => {
    await page.goto('/login');
    await loginAs(page, 'secretary.branch-rd');
    await page.goto('/no-such-page/at-all');
    await expect(page.getByText('页面不存在或您无权查看')).toBeVisible();
    await expect(page.getByRole('menu', { name: '主菜单' })).toBeVisible();
    await shot(page, 'not-found');
    await page.getByRole('link', { name: /返回首页/ }).click();
    await expect(page).not.toHaveURL(/no-such-page/);
  });
});

test.describe('log-in on a phone (375 px)', () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test('the log-in page and the layout fit the width, the menu in a drawer', async ({ page }) => {
    await page.goto('/login');
    await expect(loginButton(page)).toBeVisible();
    const width = () => page.evaluate<number>('document.documentElement.scrollWidth');
    expect(await width()).toBeLessThanOrEqual(375);
    await shot(page, 'login-375');
    await loginAs(page, 'secretary.branch-rd');
    await expect(page.getByRole('button', { name: /退出登录/ })).toBeVisible();
    // the page itself, not its loading state, in the picture
    await expect(page.getByText('加载中…')).toHaveCount(0);
    expect(await width()).toBeLessThanOrEqual(375);
    // the name and the bell do not touch: a gap between them
    const name = await page.locator('header span[title]').first().boundingBox();
    const bell = await page.getByRole('link', { name: /消息通知/ }).boundingBox();
    expect(bell!.x - (name!.x + name!.width)).toBeGreaterThanOrEqual(8);
    await shot(page, 'home-secretary-375');
  });
});
