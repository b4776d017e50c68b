import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { flows } from './support/bpmn.js';
import { FAST_RETRIES, type Harness, startHarness, waitFor } from './support/harness.js';
import { HttpRobot, OK } from './support/http-robot.js';

interface DeliveryRow {
  format: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

/** Group-robot webhooks (WeCom, DingTalk) through the notifications queue. */
describe('worker webhooks: WeCom and DingTalk group robots', () => {
  let h: Harness;
  const robot = new HttpRobot()
    // WeCom answers HTTP 500 twice, then accepts
    .on('/wecom', (n) =>
      n < 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: OK },
    )
    // DingTalk answers 200 with an errcode twice (its way of refusing), then accepts
    .on('/dingtalk', (n) =>
      n < 2
        ? { status: 200, body: { errcode: 130101, errmsg: 'send too fast' } }
        : { status: 200, body: OK },
    )
    .on('/broken', () => ({ status: 502, body: { error: 'bad gateway' } }));

  beforeAll(async () => {
    await robot.start();
    h = await startHarness('hooks', { jobOptions: FAST_RETRIES });
    await h.deploy(
      'notice.bpmn',
      flows.service('wh-notice', 'notify-members', { title: '支部通知', message: '{theme}' }),
    );
  });

  afterAll(async () => {
    await h?.close();
    await robot.stop();
  });

  const deliveriesOf = (instanceId: string) =>
    h.dataSource.query<DeliveryRow[]>(
      `SELECT w.format, d.state, d.attempts, d.last_error
         FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id
         JOIN notifications n ON n.id = d.notification_id
        WHERE n.instance_id = $1 ORDER BY w.format`,
      [instanceId],
    );
  const instanceState = async (id: string) =>
    (
      await h.dataSource.query<{ state: string }[]>(
        `SELECT state FROM process_instances WHERE id = $1`,
        [id],
      )
    )[0]?.state;

  it('delivers a notification to each robot in its format, retrying the failed attempts', async () => {
    await h.dataSource.query(
      `INSERT INTO webhooks (name, url, format) VALUES ('WeCom group', $1, 'wecom'), ('DingTalk group', $2, 'dingtalk')`,
      [robot.url('/wecom'), robot.url('/dingtalk')],
    );
    const instance = await h.runtime.start(
      { templateKey: 'wh-notice', variables: { theme: '学习党章', recipients: 'group:branch-1' } },
      'test',
    );
    // When both robots fail twice and then accept
    const rows = await waitFor('both deliveries', async () => {
      const found = await deliveriesOf(instance.id);
      return found.length === 2 && found.every((row) => row.state === 'delivered')
        ? found
        : undefined;
    });
    // Then each was delivered on the third attempt
    expect(rows).toEqual([
      {
        format: 'dingtalk',
        state: 'delivered',
        attempts: 3,
        last_error: expect.stringMatching(/^errcode 130101/),
      },
      {
        format: 'wecom',
        state: 'delivered',
        attempts: 3,
        last_error: expect.stringMatching(/^HTTP 500/),
      },
    ]);
    // And each robot got its own message format
    const content = '### 支部通知\n学习党章\n> 接收人：group:branch-1';
    expect(robot.requestsTo('/wecom')).toHaveLength(3);
    expect(robot.requestsTo('/wecom')[2].body).toEqual({
      msgtype: 'markdown',
      markdown: { content },
    });
    expect(robot.requestsTo('/dingtalk')).toHaveLength(3);
    expect(robot.requestsTo('/dingtalk')[2].body).toEqual({
      msgtype: 'markdown',
      markdown: { title: '支部通知', text: content },
    });
    expect(await instanceState(instance.id)).toBe('completed');
  });

  it('marks a delivery to a robot that always fails as failed, and the process does not wait for it', async () => {
    await h.dataSource.query(`UPDATE webhooks SET active = false`);
    await h.dataSource.query(
      `INSERT INTO webhooks (name, url, format) VALUES ('broken', $1, 'wecom')`,
      [robot.url('/broken')],
    );
    const instance = await h.runtime.start(
      { templateKey: 'wh-notice', variables: { theme: '通知' } },
      'test',
    );
    // The instance completes at once, whatever the robot does
    await waitFor('the instance', async () => (await instanceState(instance.id)) === 'completed');
    // And after the last attempt the delivery is failed with the last error
    const [row] = await waitFor('the delivery to fail', async () => {
      const found = await deliveriesOf(instance.id);
      return found[0]?.state === 'failed' ? found : undefined;
    });
    expect(row).toEqual({
      format: 'wecom',
      state: 'failed',
      attempts: FAST_RETRIES.attempts,
      last_error: expect.stringMatching(/^HTTP 502/),
    });
    expect(robot.requestsTo('/broken')).toHaveLength(FAST_RETRIES.attempts);
  });
});
