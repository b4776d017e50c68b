import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChannelsRepository, OrgDirectory } from '@app/org';
import { flows } from './support/bpmn.js';
import { FAST_RETRIES, type Harness, startHarness, waitFor } from './support/harness.js';
import { HttpRobot, OK } from './support/http-robot.js';

interface DeliveryRow {
  format: string;
  state: string;
  attempts: number;
  answer: string | null;
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
    .on('/broken', () => ({ status: 502, body: { error: 'bad gateway' } }))
    .on('/names', () => ({ status: 200, body: OK }));

  beforeAll(async () => {
    await robot.start();
    h = await startHarness('hooks', {
      jobOptions: FAST_RETRIES,
      env: { CHANNEL_HOSTS: '127.0.0.1' },
    });
    await h
      .get(OrgDirectory)
      .createUnit({ id: 'wh-c', parentId: null, kind: 'committee', name: '党委' });
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
      `SELECT c.kind AS format, d.state, d.attempts, d.answer
         FROM channel_deliveries d
         JOIN org_unit_channels c ON c.id = d.channel_id
         JOIN notifications n ON n.id = d.notification_id
        WHERE n.instance_id = $1 ORDER BY c.kind::text`,
      [instanceId],
    );
  const addChannel = (name: string, path: string, kind: 'wecom' | 'dingtalk') =>
    new ChannelsRepository(h.dataSource).create(
      { orgUnitId: 'wh-c', kind, name, url: robot.url(path), secret: null, enabled: true },
      'test',
      h.clock.now(),
      20,
    );
  const instanceState = async (id: string) =>
    (
      await h.dataSource.query<{ state: string }[]>(
        `SELECT state FROM process_instances WHERE id = $1`,
        [id],
      )
    )[0]?.state;

  it('delivers a notification to each robot in its format, retrying the failed attempts', async () => {
    await addChannel('WeCom group', '/wecom', 'wecom');
    await addChannel('DingTalk group', '/dingtalk', 'dingtalk');
    const instance = await h.runtime.start(
      {
        templateKey: 'wh-notice',
        orgUnitId: 'wh-c',
        variables: { theme: '学习党章', recipients: 'group:members' },
      },
      'test',
    );
    // When both robots fail twice and then accept
    const rows = await waitFor('both deliveries', async () => {
      const found = await deliveriesOf(instance.id);
      return found.length === 2 && found.every((row) => row.state === 'sent') ? found : undefined;
    });
    // Then each was delivered on the third attempt
    expect(rows).toEqual([
      {
        format: 'dingtalk',
        state: 'sent',
        attempts: 3,
        answer: expect.stringMatching(/^HTTP 200/),
      },
      {
        format: 'wecom',
        state: 'sent',
        attempts: 3,
        answer: expect.stringMatching(/^HTTP 200/),
      },
    ]);
    // And each robot got its own message format
    // (a person reads the recipient by name: the unit's members, never `group:members`)
    const content = '### 支部通知\n学习党章\n> 接收人：党委 全体党员';
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

  it('names the recipient and the members a placeholder holds, never an id or group:', async () => {
    await h.dataSource.query(`UPDATE org_unit_channels SET enabled = false`);
    await addChannel('names', '/names', 'wecom');
    const org = h.get(OrgDirectory);
    const zhang = await org.createMember({ orgUnitId: 'wh-c', name: '张三', status: 'full' });
    const li = await org.createMember({ orgUnitId: 'wh-c', name: '李四', status: 'full' });
    await h.deploy(
      'named.bpmn',
      flows.service('wh-named', 'notify-members', {
        title: '{memberId} 的谈话',
        message: '请 {memberId} 与联系人 {contacts} 参加，名单 {memberIds}',
      }),
    );
    const instance = await h.runtime.start(
      {
        templateKey: 'wh-named',
        orgUnitId: 'wh-c',
        variables: {
          memberId: zhang.id,
          memberIds: [zhang.id, li.id],
          contacts: [{ memberId: li.id }],
          recipients: [zhang.id],
        },
      },
      'test',
    );
    await waitFor('the delivery', async () => {
      const found = await deliveriesOf(instance.id);
      return found[0]?.state === 'sent' ? found : undefined;
    });
    const [request] = robot.requestsTo('/names');
    const text = JSON.stringify(request?.body);
    expect(request?.body).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: '### 张三 的谈话\n请 张三 与联系人 李四 参加，名单 张三、李四\n> 接收人：张三',
      },
    });
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(text).not.toContain('group:');
    // And the inbox reads the same names
    const [notice] = await h.dataSource.query<{ title: string; body: string }[]>(
      `SELECT title, body FROM notifications WHERE instance_id = $1`,
      [instance.id],
    );
    expect(notice).toEqual({
      title: '张三 的谈话',
      body: '请 张三 与联系人 李四 参加，名单 张三、李四',
    });
  });

  it('marks a delivery to a robot that always fails as failed, and the process does not wait for it', async () => {
    await h.dataSource.query(`UPDATE org_unit_channels SET enabled = false`);
    await addChannel('broken', '/broken', 'wecom');
    const instance = await h.runtime.start(
      { templateKey: 'wh-notice', orgUnitId: 'wh-c', variables: { theme: '通知' } },
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
      answer: expect.stringMatching(/^HTTP 502/),
    });
    expect(robot.requestsTo('/broken')).toHaveLength(FAST_RETRIES.attempts);
  });
});
