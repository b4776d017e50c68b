import type { APIRequestContext } from '@playwright/test';
import { expect, loggedInPage, shot, test } from './support/fixtures.js';

/**
 * A member's political birthday (政治生日) up to its last step, 8 定格珍贵瞬间: the secretary
 * takes the group photo with the phone's camera (an upload to the step's evidence) and the form's
 * 合影照片 offers it by name and takes it at once — no attachment id typed by hand; submitting
 * without a photo is refused at the field.
 */

/** A 2 × 2 PNG: the api decides a file's type by its bytes, so this is a photo to it. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAwMDAwMDAwAAAGv0BAR2g7JQAAAAASUVORK5CYII=',
  'base64',
);
const BRANCH = 'branch-rd';
/** The api's CSRF guard: a write sent with the session cookie carries this header. */
const WRITE = { 'X-Requested-With': 'XMLHttpRequest' };

async function call(
  request: APIRequestContext,
  method: 'get' | 'post',
  url: string,
  data?: object,
) {
  const response =
    method === 'get' ? await request.get(url) : await request.post(url, { data, headers: WRITE });
  expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

/** The instance's one open user task (the steps run one at a time). */
async function openStep(request: APIRequestContext, instanceId: string) {
  let step: { id: string; elementId: string } | undefined;
  await expect(async () => {
    const list = await call(request, 'get', `/api/tasks?instanceId=${instanceId}&state=open`);
    step = (list.items as { id: string; elementId: string }[])[0];
    expect(step).toBeDefined();
  }).toPass({ timeout: 30_000 });
  return step!;
}

test('the secretary photographs a political birthday and the photo step takes it by name', async ({
  browser,
}) => {
  const member = await loggedInPage(browser, `member.${BRANCH}`, 1440);
  const me = await call(member.request, 'get', '/api/auth/me');
  const sec = await loggedInPage(browser, `secretary.${BRANCH}`, 375);
  const thisMonth = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' })
    .format(new Date())
    .slice(0, 7);
  const started = await call(sec.request, 'post', '/api/instances', {
    templateKey: 'political-birthday',
    orgUnitId: BRANCH,
    variables: {
      memberId: me.memberId,
      memberName: me.name,
      // admitted in this month (Asia/Shanghai) fifteen years ago: the ceremony is due at its end
      admissionDate: `${Number(thisMonth.slice(0, 4)) - 15}-${thisMonth.slice(5, 7)}-15`,
      year: Number(thisMonth.slice(0, 4)),
      branchId: BRANCH,
    },
  });
  const instanceId = started.id as string;

  // steps 1–7 through the api: the member shares her aspiration, the secretary the rest
  const said: Record<string, object> = {
    Task_Step3_ShareAspiration: { aspiration: '入党初心是做一名让群众信得过的党员。' },
    Task_Step5_Wishes: { wishes: '不忘初心，再接再厉。' },
  };
  for (let n = 1; n <= 7; n++) {
    const step = await openStep(sec.request, instanceId);
    const who = step.elementId === 'Task_Step3_ShareAspiration' ? member : sec;
    await call(who.request, 'post', `/api/tasks/${step.id}/complete`, {
      variables: said[step.elementId] ?? {},
    });
  }
  const photoStep = await openStep(sec.request, instanceId);
  expect(photoStep.elementId).toBe('Task_Step8_Photo');

  await sec.goto(`/tasks/${photoStep.id}`);
  await expect(sec.getByRole('heading', { name: '8 定格珍贵瞬间', level: 3 })).toBeVisible();
  const field = sec.getByLabel('合影照片');
  await expect(field).toBeVisible();
  // nothing uploaded yet: the form says where the photo comes from, and refuses an empty one
  await expect(sec.getByText('请先在右侧「佐证材料」上传照片，上传后在此选择。')).toBeVisible();
  await sec.getByRole('button', { name: '提交', exact: true }).click();
  await expect(sec.getByText('此项为必填项。').first()).toBeVisible();

  // the phone's camera: the upload is offered in the field by its name and chosen at once
  await expect(sec.getByRole('button', { name: '拍照上传' })).toBeVisible();
  await sec
    .locator('input[type=file]')
    .first()
    .setInputFiles({ name: '政治生日合影.png', mimeType: 'image/png', buffer: PHOTO });
  await expect(sec.getByRole('img', { name: '政治生日合影.png' })).toBeVisible();
  await expect(field).toHaveValue('政治生日合影.png');
  await sec.getByLabel('照片说明').fill('政治生日合影');
  const scrollWidth = await sec.evaluate<number>('document.documentElement.scrollWidth');
  expect(scrollWidth).toBeLessThanOrEqual(375);
  await shot(sec, 'birthday-photo-375');
  await sec.getByRole('button', { name: '提交', exact: true }).click();
  await expect(sec.getByText('已提交，此步骤已办结')).toBeVisible();

  // the instance holds the photo as the uploaded attachment, and is done
  await expect(async () => {
    const instance = await call(sec.request, 'get', `/api/instances/${instanceId}`);
    expect(instance.state).toBe('completed');
    const variables = instance.variables as Record<string, unknown>;
    expect(variables.photo).toMatch(/^[0-9a-f-]{36}$/);
  }).toPass({ timeout: 30_000 });
});
