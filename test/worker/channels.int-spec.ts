import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChannelsRepository, OrgDirectory } from '@app/org';
import { QueueName } from '@app/queue';
import { LedgerStore } from '@app/ledger';
import { writeNotifications } from '@app/store';
import {
  EscalationService,
  Notifier,
  Reconciler,
  WebhookProcessor,
  userRecipient,
} from '../../apps/worker/src/index.js';
import { flows } from './support/bpmn.js';
import { FAST_RETRIES, type Harness, startHarness, waitFor } from './support/harness.js';
import { HttpRobot, OK, type RobotRequest } from './support/http-robot.js';

const SECRET = 'SECtest-signing-secret-0123456789';

/** DingTalk's check of 加签: sign = base64(HMAC-SHA256(secret, `timestamp\nsecret`)). */
function validSignature(request: RobotRequest): boolean {
  const timestamp = request.query.get('timestamp');
  const sign = request.query.get('sign');
  if (!timestamp || !sign) return false;
  const expected = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
  return sign === expected;
}

interface DeliveryRow {
  channel: string;
  state: string;
  attempts: number;
  answer: string | null;
}

/** Notification channels per org unit (issue 14, part 6): a notice reaches its own units' robots. */
describe('worker channels: group robots per org unit', () => {
  let h: Harness;
  let channels: ChannelsRepository;
  let supervisorId: string;
  const robot = new HttpRobot()
    .on('/branch-a', () => ({ status: 200, body: OK }))
    .on('/branch-b', () => ({ status: 200, body: OK }))
    // The committee's DingTalk robot refuses a message without a valid signature, as DingTalk does
    .on('/committee', (_, request) =>
      validSignature(request)
        ? { status: 200, body: OK }
        : { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } },
    )
    .on('/flaky', (n) =>
      n < 1
        ? { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } }
        : { status: 200, body: OK },
    )
    .on('/broken', () => ({ status: 502, body: { error: 'bad gateway' } }));

  beforeAll(async () => {
    await robot.start();
    h = await startHarness('channels', {
      jobOptions: FAST_RETRIES,
      env: { CHANNEL_HOSTS: '127.0.0.1' },
    });
    const org = h.get(OrgDirectory);
    await org.createUnit({ id: 'ch-c', parentId: null, kind: 'committee', name: '党委' });
    await org.createUnit({ id: 'ch-a', parentId: 'ch-c', kind: 'branch', name: '一支部' });
    await org.createUnit({ id: 'ch-b', parentId: 'ch-c', kind: 'branch', name: '二支部' });
    supervisorId = (
      await org.createUser({
        name: '组织委员',
        grants: [{ role: 'supervisor', orgUnitId: 'ch-c' }],
      })
    ).userId;
    channels = new ChannelsRepository(h.dataSource);
    const add = (orgUnitId: string, name: string, path: string, kind: 'wecom' | 'dingtalk') =>
      channels.create(
        {
          orgUnitId,
          kind,
          name,
          url: robot.url(path),
          secret: kind === 'dingtalk' ? SECRET : null,
          enabled: true,
        },
        'test',
        h.clock.now(),
        20,
      );
    await add('ch-a', 'A group', '/branch-a', 'wecom');
    await add('ch-b', 'B group', '/branch-b', 'wecom');
    await add('ch-c', 'committee group', '/committee', 'dingtalk');
    await h.deploy(
      'members.bpmn',
      flows.service('ch-members', 'notify-members', { title: '支部通知', message: '{theme}' }),
    );
  });

  afterAll(async () => {
    await h?.close();
    await robot.stop();
  });

  const deliveriesOf = (instanceId: string) =>
    h.dataSource.query<DeliveryRow[]>(
      `SELECT c.name AS channel, d.state, d.attempts, d.answer
         FROM channel_deliveries d
         JOIN org_unit_channels c ON c.id = d.channel_id
         JOIN notifications n ON n.id = d.notification_id
        WHERE n.instance_id = $1 ORDER BY c.name`,
      [instanceId],
    );
  const sentTo = (instanceId: string, count: number) =>
    waitFor(`${count} sent deliveries`, async () => {
      const rows = await deliveriesOf(instanceId);
      return rows.length === count && rows.every((row) => row.state === 'sent') ? rows : undefined;
    });
  const bodiesTo = (path: string) => robot.requestsTo(path).map((r) => JSON.stringify(r.body));

  it("a notice of branch A reaches branch A's robot only", async () => {
    const instance = await h.runtime.start(
      { templateKey: 'ch-members', orgUnitId: 'ch-a', variables: { theme: '一支部学习党章' } },
      'test',
    );
    const rows = await sentTo(instance.id, 1);
    expect(rows).toEqual([
      {
        channel: 'A group',
        state: 'sent',
        attempts: 1,
        answer: expect.stringMatching(/^HTTP 200/),
      },
    ]);
    expect(bodiesTo('/branch-a').some((body) => body.includes('一支部学习党章'))).toBe(true);
    expect(bodiesTo('/branch-b').some((body) => body.includes('一支部学习党章'))).toBe(false);
    expect(bodiesTo('/committee').some((body) => body.includes('一支部学习党章'))).toBe(false);
  });

  it("a 督办 of branch A reaches branch A's robot and the supervising unit's, signed (加签)", async () => {
    const instance = await h.runtime.start(
      { templateKey: 'ch-members', orgUnitId: 'ch-a', variables: { theme: 'x' } },
      'test',
    );
    await sentTo(instance.id, 1);
    await h.get(Notifier).notify({
      cause: `test-escalation-${instance.id}`,
      kind: 'escalation',
      recipients: [`user:${supervisorId}`],
      title: '督办：一支部逾期事项',
      body: '已逾期',
      instanceId: instance.id,
    });
    const rows = await sentTo(instance.id, 3);
    expect(rows.map((row) => row.channel)).toEqual(['A group', 'A group', 'committee group']);
    const signed = robot.requestsTo('/committee');
    expect(signed).toHaveLength(1);
    expect(validSignature(signed[0])).toBe(true);
    expect(JSON.stringify(signed[0].body)).toContain('督办：一支部逾期事项');
    expect(bodiesTo('/branch-b').some((body) => body.includes('督办'))).toBe(false);
  });

  it('a failed attempt shows retrying with the answer, then sent; a robot that always fails ends failed', async () => {
    await channels.create(
      {
        orgUnitId: 'ch-b',
        kind: 'wecom',
        name: 'flaky',
        url: robot.url('/flaky'),
        secret: null,
        enabled: true,
      },
      'test',
      h.clock.now(),
      20,
    );
    await h.deploy(
      'notify.bpmn',
      flows.service('ch-notify', 'notify', {
        channel: 'flaky',
        title: '通知',
        template: '{theme}，请准时参加',
      }),
    );
    await h.queue(QueueName.Notifications).pause();
    const instance = await h.runtime.start(
      { templateKey: 'ch-notify', orgUnitId: 'ch-b', variables: { theme: '主题党日' } },
      'test',
    );
    const [delivery] = await waitFor('the delivery', async () => {
      const found = await h.dataSource.query<{ id: string }[]>(
        `SELECT d.id FROM channel_deliveries d JOIN notifications n ON n.id = d.notification_id
          WHERE n.instance_id = $1`,
        [instance.id],
      );
      return found.length > 0 ? found : undefined;
    });
    const processor = h.get(WebhookProcessor);
    await expect(
      processor.handle({ deliveryId: delivery.id }, { attemptsMade: 0, attempts: 3 }),
    ).rejects.toThrow(/45009/);
    expect(await deliveriesOf(instance.id)).toEqual([
      {
        channel: 'flaky',
        state: 'retrying',
        attempts: 1,
        answer: expect.stringContaining('api freq out of limit'),
      },
    ]);
    expect(
      await processor.handle({ deliveryId: delivery.id }, { attemptsMade: 1, attempts: 3 }),
    ).toBe('delivered');
    // delivered twice, posted once
    expect(await processor.handle({ deliveryId: delivery.id })).toBe('skipped');
    expect(robot.requestsTo('/flaky')).toHaveLength(2);
    expect((await deliveriesOf(instance.id))[0]).toMatchObject({ state: 'sent', attempts: 2 });
    await h.queue(QueueName.Notifications).resume();

    await channels.create(
      {
        orgUnitId: 'ch-b',
        kind: 'wecom',
        name: 'broken',
        url: robot.url('/broken'),
        secret: null,
        enabled: true,
      },
      'test',
      h.clock.now(),
      20,
    );
    await h.deploy(
      'broken.bpmn',
      flows.service('ch-broken', 'notify', { channel: 'broken', template: '坏了' }),
    );
    const doomed = await h.runtime.start({ templateKey: 'ch-broken', orgUnitId: 'ch-b' }, 'test');
    const [failed] = await waitFor('the delivery to fail', async () => {
      const found = await deliveriesOf(doomed.id);
      return found[0]?.state === 'failed' ? found : undefined;
    });
    expect(failed).toEqual({
      channel: 'broken',
      state: 'failed',
      attempts: FAST_RETRIES.attempts,
      answer: expect.stringMatching(/^HTTP 502/),
    });
  });

  it('a delivery whose job Redis lost is queued again by the reconciler, and sent', async () => {
    // A notice to branch B's robot, its outbox row delivered to Redis, which then lost the job
    const written = await h.dataSource.transaction(async (manager) => {
      const notice = await writeNotifications(
        manager,
        {
          cause: 'lost-delivery',
          kind: 'notice',
          recipients: [userRecipient(supervisorId)],
          title: '支部通知',
          body: '二支部：投递任务丢失后补发',
          channelUnits: ['ch-b'],
          channelName: 'B group',
        },
        h.clock.now(),
      );
      await manager.query(`UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::bigint[])`, [
        notice.outboxIds,
      ]);
      return notice;
    });
    expect(written.deliveryIds).toHaveLength(1);
    const jobId = `webhook-${written.deliveryIds[0]}`;
    expect(await h.queue(QueueName.Notifications).getJob(jobId)).toBeUndefined();
    // A few seconds later the reconciler finds the unfinished delivery in PostgreSQL
    h.clock.advance(10_000);
    const report = await h.get(Reconciler).sweep();
    expect(report.webhooks).toBeGreaterThanOrEqual(1);
    const delivered = await waitFor('the delivery sent', async () => {
      const [row] = await channels.deliveriesOf(written.notificationIds);
      return row?.state === 'sent' ? row : undefined;
    });
    expect(delivered).toMatchObject({ channelName: 'B group', attempts: 1 });
    expect(bodiesTo('/branch-b').some((body) => body.includes('投递任务丢失后补发'))).toBe(true);
  });

  it('notify names a channel the unit does not have: an incident naming it, nothing sent', async () => {
    await h.deploy(
      'nowhere.bpmn',
      flows.service('ch-nowhere', 'notify', { channel: 'B group', template: 'x' }),
    );
    // 'B group' is branch B's channel, not branch A's
    const instance = await h.runtime.start(
      { templateKey: 'ch-nowhere', orgUnitId: 'ch-a' },
      'test',
    );
    const incident = await waitFor('the incident', async () => {
      const [row] = await h.dataSource.query<
        { state: string; incidents: Record<string, { message: string }> | null }[]
      >(
        `SELECT state, engine_state->'incidents' AS incidents FROM process_instances WHERE id = $1`,
        [instance.id],
      );
      return row?.state === 'incident'
        ? Object.values(row.incidents ?? {})
            .map((i) => i.message)
            .join('\n')
        : undefined;
    });
    expect(incident).toMatch(/org unit 'ch-a' has no enabled channel named 'B group'/);
    expect(await deliveriesOf(instance.id)).toEqual([]);
  });

  it("a hand-opened ledger item's 督办 reaches its unit's robot and the supervising unit's, not another branch's", async () => {
    // Given an item of branch A opened by hand (no instance), assessed by the committee
    const item = await h.get(LedgerStore).create(
      {
        list: 'problem',
        title: '一支部台账整改',
        standard: '按期整改',
        orgUnitId: 'ch-a',
        responsible: '张三',
        assessingUnitId: 'ch-c',
        dueAt: h.clock.now() + 3_600_000,
      },
      'test',
    );
    const signedBefore = robot.requestsTo('/committee').length;
    // When it is overdue (past the grace days) and escalated
    h.clock.advance(30 * 86_400_000);
    expect(await h.get(EscalationService).escalateItem(item.id, h.clock.now())).toBe(true);
    // Then its 督办 is delivered to branch A's and the committee's channels only
    const rows = await waitFor('the 督办 deliveries', async () => {
      const found = await h.dataSource.query<DeliveryRow[]>(
        `SELECT c.name AS channel, d.state, d.attempts, d.answer
           FROM channel_deliveries d
           JOIN org_unit_channels c ON c.id = d.channel_id
           JOIN notifications n ON n.id = d.notification_id
          WHERE n.dedupe_key LIKE $1 ORDER BY c.name`,
        [`ledger-escalation-${item.id}-%`],
      );
      return found.length > 0 && found.every((row) => row.state === 'sent') ? found : undefined;
    });
    expect([...new Set(rows.map((row) => row.channel))]).toEqual(['A group', 'committee group']);
    expect(bodiesTo('/branch-a').some((body) => body.includes('一支部台账整改'))).toBe(true);
    expect(bodiesTo('/branch-b').some((body) => body.includes('一支部台账整改'))).toBe(false);
    const signed = robot.requestsTo('/committee').slice(signedBefore);
    expect(signed.length).toBeGreaterThan(0);
    expect(signed.every(validSignature)).toBe(true);
  });
});
