import pg from 'pg';
import { e2eValue } from './support/env.js';
import { expect, loginAs, shot, test } from './support/fixtures.js';

/**
 * 消息通知 (issue 15, Notifications): a secretary's in-app inbox with its unread count; a click
 * opens the step or the ledger item the notice is about and the count drops; at 375 px.
 * The notices are written as the worker writes them (rows of notifications) about the open
 * step of 生产运营党支部's theme day — branch-rd's is secretary.e2e's.
 */

interface Task {
  id: string;
  name: string | null;
}

async function insertNotices(recipient: string, task: Task, tag: string): Promise<void> {
  const client = new pg.Client({ connectionString: e2eValue('databaseUrl') });
  await client.connect();
  try {
    const instance = await client.query<{ instance_id: string }>(
      `SELECT instance_id FROM tasks WHERE id = $1`,
      [task.id],
    );
    const instanceId = instance.rows[0]?.instance_id ?? null;
    await client.query(
      `INSERT INTO notifications (recipient, kind, task_id, instance_id, title, body, dedupe_key, created_at)
       VALUES ($1, 'reminder', $2, $3, $4, '请在截止前完成本月主题党日的计划。', $5, now() - interval '2 hours'),
              ($1, 'escalation', $2, $3, '【督办】主题党日计划临近截止', '上级党组织已督办此事项。', $6, now() - interval '1 hour'),
              ($1, 'notice', NULL, NULL, '关于开展党费收缴工作的通知', '请各支部于月底前完成党费收缴。', $7, now() - interval '3 hours')`,
      [
        recipient,
        task.id,
        instanceId,
        `【待办提醒】${task.name ?? '待办步骤'}`,
        `e2e-remind-${tag}`,
        `e2e-escalate-${tag}`,
        `e2e-notice-${tag}`,
      ],
    );
  } finally {
    await client.end();
  }
}

test('a secretary reads her notices: the unread count, a click opens the item or the step, the count drops; at 375 px', async ({
  page,
}) => {
  const tag = Date.now().toString(36);
  await loginAs(page, 'secretary.branch-production');
  const me = (await (await page.request.get('/api/auth/me')).json()) as { userId: string };

  // her open step (the worker opens this month's theme day at start-up)
  let task: Task | undefined;
  await expect(async () => {
    const response = await page.request.get('/api/tasks?state=open&pageSize=20');
    expect(response.status()).toBe(200);
    task = ((await response.json()) as { items: Task[] }).items[0];
    expect(task).toBeDefined();
  }).toPass({ timeout: 60_000 });
  const step = task!;
  await insertNotices(me.userId, step, tag);
  const unread = async () =>
    (
      (await (await page.request.get('/api/notifications?unread=true&pageSize=1')).json()) as {
        unread: number;
      }
    ).unread;
  const before = await unread();
  expect(before).toBeGreaterThanOrEqual(3);

  await page.goto('/notifications');
  await expect(page.getByRole('heading', { name: '消息通知' })).toBeVisible();
  await expect(page.getByText(`未读 ${before} 条`)).toBeVisible();
  await expect(page.getByRole('link', { name: `消息通知，${before} 条未读` })).toBeVisible();
  const list = page.getByRole('list', { name: '通知列表' });
  const reminder = list.getByRole('button', { name: /^未读：【待办提醒】/ });
  await expect(reminder).toContainText('待办提醒');
  await expect(reminder).toContainText('去办理');
  await expect(list.getByRole('button', { name: /关于开展党费收缴工作的通知/ })).toBeVisible();
  await shot(page, 'notifications-inbox');

  // the 督办 opens the ledger item of its step; the count drops by one
  await list.getByRole('button', { name: /^未读：【督办】/ }).click();
  await expect(page).toHaveURL(/\/ledger\/items\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('link', { name: `消息通知，${before - 1} 条未读` })).toBeVisible();
  expect(await unread()).toBe(before - 1);
  await shot(page, 'notifications-ledger-item');

  // on a phone: 未读 in the URL, the cards fit the width
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto('/notifications');
  await page.getByText('未读（', { exact: false }).click();
  await expect(page).toHaveURL(/unread=1/);
  await expect(list.getByRole('button', { name: /【督办】/ })).toHaveCount(0);
  const card = list.getByRole('button', { name: /^未读：【待办提醒】/ });
  await expect(card).toBeVisible();
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
    375,
  );
  const box = await card.boundingBox();
  expect(box && box.x + box.width).toBeLessThanOrEqual(375);
  await shot(page, 'notifications-unread-375');

  // the reminder opens its step; the count drops by one more
  await card.click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${step.id}$`));
  await expect(page.getByRole('link', { name: `消息通知，${before - 2} 条未读` })).toBeVisible();
  await shot(page, 'notifications-step-375');

  // back to the unread list: the reminder is gone from it; in 全部 it is read
  await page.goBack();
  await expect(page).toHaveURL(/\/notifications\?unread=1/);
  await expect(page.getByText(`未读 ${before - 2} 条`)).toBeVisible();
  await expect(list.getByRole('button', { name: /【待办提醒】/ })).toHaveCount(0);
  await page.getByText('全部', { exact: true }).click();
  await expect(list.getByRole('button', { name: /^【待办提醒】/ })).toContainText('已读于');
});
