import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChannelsRepository, OrgDirectory } from '@app/org';
import { QueueName } from '@app/queue';
import { UnrecoverableError } from 'bullmq';
import {
  type JobContext,
  ReminderProcessor,
  Reconciler,
  RunJobProcessor,
  TimerProcessor,
  WebhookProcessor,
  createWorkerApp,
} from '../../apps/worker/src/index.js';
import { flows } from './support/bpmn.js';
import { type Harness, startHarness } from './support/harness.js';
import { HttpRobot, OK } from './support/http-robot.js';

/**
 * Every processor, called directly (no BullMQ workers run here): delivered twice, one effect.
 */
/** The first of several attempts (a failure is retried). */
const FIRST = { attemptsMade: 0, attempts: 3 };

describe('worker processors: delivered twice, one effect', () => {
  let h: Harness;
  const robot = new HttpRobot().on('/wecom', () => ({ status: 200, body: OK }));
  const calls: JobContext[] = [];

  beforeAll(async () => {
    await robot.start();
    h = await startHarness('proc', {
      autorun: false,
      // Types deployed on purpose without a handler: their jobs prove the run-time refusal
      env: { CHANNEL_HOSTS: '127.0.0.1', SERVICE_TASK_TYPES: 'mystery-type,doomed-type' },
      templates: { 'startup.bpmn': flows.userTask('wk-startup', { assignee: 'li' }) },
      handlers: {
        counting: (ctx) => {
          calls.push(ctx);
          return Promise.resolve({ counted: calls.length });
        },
      },
    });
  });

  afterAll(async () => {
    await h?.close();
    await robot.stop();
  });

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const [row] = await h.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (${sql}) s`,
      params,
    );
    return row.n;
  };
  const auditCount = (instanceId: string, type: string) =>
    count(`SELECT 1 FROM audit_events WHERE instance_id = $1 AND type = $2`, [instanceId, type]);
  /** A channel (group robot on the local test robot) of the org unit proc-u. */
  const addChannel = (name: string, path: string, kind: 'wecom' | 'dingtalk') =>
    new ChannelsRepository(h.dataSource).create(
      { orgUnitId: 'proc-u', kind, name, url: robot.url(path), secret: null, enabled: true },
      'test',
      h.clock.now(),
      20,
    );
  const taskOf = async (instanceId: string) => {
    const [task] = await h.dataSource.query<{ id: string; state: string }[]>(
      `SELECT id, state FROM tasks WHERE instance_id = $1 ORDER BY created_at LIMIT 1`,
      [instanceId],
    );
    return task;
  };

  it('deploys the templates folder at start, once per checksum however often a worker starts', async () => {
    // Given the app started with a templates folder, Then its template is deployed
    const versions = () =>
      h.dataSource.query<{ version: number }[]>(
        `SELECT version FROM process_definitions WHERE key = 'wk-startup'`,
      );
    expect(await versions()).toEqual([{ version: 1 }]);
    // When a second worker starts on the same database and folder
    const second = await createWorkerApp({
      env: h.env,
      clock: h.clock,
      autorun: false,
      logger: false,
    });
    await second.close();
    // Then nothing new is deployed
    expect(await versions()).toEqual([{ version: 1 }]);
  });

  it('fire-timer: a timer delivered twice fires once', async () => {
    await h.deploy('wait.bpmn', flows.timerThenUserTask('wk-wait', 'PT1H'));
    const instance = await h.runtime.start({ templateKey: 'wk-wait' }, 'test');
    const [timer] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM timers WHERE instance_id = $1`,
      [instance.id],
    );
    const processor = h.get(TimerProcessor);
    const job = { instanceId: instance.id, timerId: timer.id };
    // When it is delivered twice, also at once
    await Promise.all([processor.handle(job), processor.handle(job)]);
    expect(await processor.handle(job)).toBe('skipped');
    // Then it fired once: one audit event, one task after it
    expect(await auditCount(instance.id, 'timer.fired')).toBe(1);
    expect(await count(`SELECT 1 FROM tasks WHERE instance_id = $1`, [instance.id])).toBe(1);
  });

  it('fire-timer: bad input and unknown ids fail at once, without retries', async () => {
    const processor = h.get(TimerProcessor);
    await expect(processor.handle({ instanceId: 'x', timerId: 'y' })).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    await expect(
      processor.handle({
        instanceId: '00000000-0000-4000-8000-000000000000',
        timerId: '00000000-0000-4000-8000-000000000001',
      }),
    ).rejects.toThrow(/no timer/);
  });

  it('run-job: the handler gets the variables and headers, and a job delivered twice completes its task once', async () => {
    await h.deploy('count.bpmn', flows.service('wk-count', 'counting', { channel: 'inbox' }));
    const processor = h.get(RunJobProcessor);
    const instance = await h.runtime.start(
      { templateKey: 'wk-count', variables: { branch: 'b1' } },
      'test',
    );
    const task = await taskOf(instance.id);
    const job = { instanceId: instance.id, taskId: task.id };
    calls.length = 0;
    // When delivered twice
    expect(await processor.handle(job, FIRST)).toBe('completed');
    expect(await processor.handle(job, FIRST)).toBe('skipped');
    // Then the handler ran once with the instance's variables, and the task completed once
    expect(calls).toEqual([
      {
        instanceId: instance.id,
        orgUnitId: null,
        taskId: task.id,
        elementId: 'Work',
        jobType: 'counting',
        variables: { branch: 'b1' },
        headers: { channel: 'inbox' },
      },
    ]);
    expect(await auditCount(instance.id, 'task.completed')).toBe(1);
    const [row] = await h.dataSource.query<{ state: string; variables: object }[]>(
      `SELECT state, variables FROM process_instances WHERE id = $1`,
      [instance.id],
    );
    expect(row).toEqual({ state: 'completed', variables: { branch: 'b1', counted: 1 } });

    // And two deliveries at once still complete it once
    const racing = await h.runtime.start({ templateKey: 'wk-count' }, 'test');
    const racingTask = await taskOf(racing.id);
    const results = await Promise.all([
      processor.handle({ instanceId: racing.id, taskId: racingTask.id }, FIRST),
      processor.handle({ instanceId: racing.id, taskId: racingTask.id }, FIRST),
    ]);
    expect(results.sort()).toEqual(['completed', 'skipped']);
    expect(await auditCount(racing.id, 'task.completed')).toBe(1);
    expect(await auditCount(racing.id, 'instance.completed')).toBe(1);
  });

  it('run-job: an unknown job type is an error naming it, and the task stays open', async () => {
    await h.deploy('mystery.bpmn', flows.service('wk-mystery', 'mystery-type'));
    const instance = await h.runtime.start({ templateKey: 'wk-mystery' }, 'test');
    const task = await taskOf(instance.id);
    const error = await h
      .get(RunJobProcessor)
      .handle({ instanceId: instance.id, taskId: task.id }, FIRST)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError); // retried: a handler may be deployed later
    expect((error as Error).message).toMatch(/'mystery-type'/);
    expect((await taskOf(instance.id)).state).toBe('open');
  });

  it('run-job: on the last attempt the task is withdrawn and an incident raised; resolving it makes a new job', async () => {
    await h.deploy('doomed.bpmn', flows.service('wk-doomed', 'doomed-type'));
    const processor = h.get(RunJobProcessor);
    const instance = await h.runtime.start({ templateKey: 'wk-doomed' }, 'test');
    const task = await taskOf(instance.id);
    const job = { instanceId: instance.id, taskId: task.id };
    // When the last attempt fails (delivered twice)
    expect(await processor.handle(job, { attemptsMade: 2, attempts: 3 })).toBe('failed');
    expect(await processor.handle(job, { attemptsMade: 2, attempts: 3 })).toBe('skipped');
    // Then the task is withdrawn and one incident names the element and the cause
    expect((await taskOf(instance.id)).state).toBe('cancelled');
    const [row] = await h.dataSource.query<
      {
        state: string;
        incidents: Record<string, { key: string; elementId: string; message: string }>;
      }[]
    >(`SELECT state, engine_state->'incidents' AS incidents FROM process_instances WHERE id = $1`, [
      instance.id,
    ]);
    expect(row.state).toBe('incident');
    const incidents = Object.values(row.incidents);
    expect(incidents).toEqual([
      expect.objectContaining({
        elementId: 'Work',
        message: expect.stringMatching(
          /job 'doomed-type' failed after 3 attempt\(s\): .*'doomed-type'/,
        ),
      }),
    ]);
    expect(await auditCount(instance.id, 'incident.created')).toBe(1);
    // And resolving the incident opens a new job for the element
    await h.runtime.execute(
      instance.id,
      { type: 'resolveIncident', incidentKey: incidents[0].key },
      'test',
    );
    const open = await h.dataSource.query<{ state: string }[]>(
      `SELECT state FROM tasks WHERE instance_id = $1 AND state = 'open'`,
      [instance.id],
    );
    expect(open).toHaveLength(1);
  });

  it("task-reminder: a reminder delivered twice writes one notification, one audit event and one delivery per channel of the instance's unit", async () => {
    await h.get(OrgDirectory).createUnit({
      id: 'proc-u',
      parentId: null,
      kind: 'committee',
      name: '党委',
    });
    await addChannel('branch group', '/wecom', 'wecom');
    await h.deploy(
      'remind.bpmn',
      flows.userTask('wk-remind', { name: '三会一课', assignee: 'li', dueDate: 'P3D' }),
    );
    const instance = await h.runtime.start(
      { templateKey: 'wk-remind', orgUnitId: 'proc-u' },
      'test',
    );
    const task = await taskOf(instance.id);
    const processor = h.get(ReminderProcessor);
    // When the P1D reminder is delivered twice, the second time also concurrently
    expect(await processor.handle({ taskId: task.id, offset: 'P1D' })).toBe('reminded');
    await Promise.all([
      processor.handle({ taskId: task.id, offset: 'P1D' }),
      processor.handle({ taskId: task.id, offset: 'P1D' }),
    ]);
    // Then one notification to the assignee, keyed by task and offset
    const notifications = await h.dataSource.query<
      { id: string; recipient: string; kind: string; title: string }[]
    >(`SELECT id, recipient, kind, title FROM notifications WHERE dedupe_key = $1`, [
      `reminder-${task.id}-P1D`,
    ]);
    expect(notifications).toEqual([
      { id: expect.any(String), recipient: 'li', kind: 'reminder', title: '待办提醒：三会一课' },
    ]);
    expect(await count(`SELECT 1 FROM notifications WHERE task_id = $1`, [task.id])).toBe(1);
    // And one task.reminded event, one channel delivery and its one outbox job
    expect(await auditCount(instance.id, 'task.reminded')).toBe(1);
    const deliveries = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM channel_deliveries WHERE notification_id = $1`,
      [notifications[0].id],
    );
    expect(deliveries).toHaveLength(1);
    expect(
      await count(`SELECT 1 FROM outbox WHERE job_name = 'deliver-webhook' AND job_id = $1`, [
        `webhook-${deliveries[0].id}`,
      ]),
    ).toBe(1);
    // And another offset is another reminder
    expect(await processor.handle({ taskId: task.id, offset: 'PT0S' })).toBe('reminded');
    expect(await auditCount(instance.id, 'task.reminded')).toBe(2);
  });

  it('task-reminder: candidate groups are reminded one notification each; a completed task is not reminded', async () => {
    await h.deploy(
      'groups.bpmn',
      flows.userTask('wk-groups', { candidateGroups: ['committee', 'secretary'], dueDate: 'P3D' }),
    );
    const instance = await h.runtime.start({ templateKey: 'wk-groups' }, 'test');
    const task = await taskOf(instance.id);
    const processor = h.get(ReminderProcessor);
    expect(await processor.handle({ taskId: task.id, offset: 'P1D' })).toBe('reminded');
    expect(await processor.handle({ taskId: task.id, offset: 'P1D' })).toBe('skipped');
    const rows = await h.dataSource.query<{ recipient: string; dedupe_key: string }[]>(
      `SELECT recipient, dedupe_key FROM notifications WHERE task_id = $1 ORDER BY dedupe_key`,
      [task.id],
    );
    expect(rows).toEqual([
      { recipient: 'group:committee', dedupe_key: `reminder-${task.id}-P1D` },
      { recipient: 'group:secretary', dedupe_key: `reminder-${task.id}-P1D/group:secretary` },
    ]);
    // When the task is completed, a later reminder does nothing
    await h.runtime.completeTask(task.id, {}, 'li');
    expect(await processor.handle({ taskId: task.id, offset: 'PT0S' })).toBe('skipped');
    expect(await auditCount(instance.id, 'task.reminded')).toBe(1);
  });

  it('deliver-webhook: a delivery made twice is posted once; failures count attempts until the last marks it failed', async () => {
    const [delivery] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM channel_deliveries ORDER BY id LIMIT 1`,
    );
    const processor = h.get(WebhookProcessor);
    const before = robot.requestsTo('/wecom').length;
    // When delivered twice
    expect(await processor.handle({ deliveryId: delivery.id })).toBe('delivered');
    expect(await processor.handle({ deliveryId: delivery.id })).toBe('skipped');
    // Then it was posted once
    expect(robot.requestsTo('/wecom').length - before).toBe(1);
    const [row] = await h.dataSource.query<
      { state: string; attempts: number; sent_at: Date | null }[]
    >(`SELECT state, attempts, sent_at FROM channel_deliveries WHERE id = $1`, [delivery.id]);
    expect(row).toEqual({ state: 'sent', attempts: 1, sent_at: new Date(h.clock.now()) });

    // Given a robot that refuses, a channel of the same unit
    const down = await addChannel('down', '/nowhere', 'dingtalk');
    const [notification] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM notifications ORDER BY created_at LIMIT 1`,
    );
    const [failing] = await h.dataSource.query<{ id: string }[]>(
      `INSERT INTO channel_deliveries (notification_id, channel_id) VALUES ($1, $2) RETURNING id`,
      [notification.id, down.id],
    );
    // When the first of three attempts fails it is retrying, the last one marks it failed
    await expect(
      processor.handle({ deliveryId: failing.id }, { attemptsMade: 0, attempts: 3 }),
    ).rejects.toThrow(/HTTP 404/);
    const state = async () =>
      (
        await h.dataSource.query<{ state: string; attempts: number; answer: string }[]>(
          `SELECT state, attempts, answer FROM channel_deliveries WHERE id = $1`,
          [failing.id],
        )
      )[0];
    expect(await state()).toEqual({
      state: 'retrying',
      attempts: 1,
      answer: expect.stringMatching(/^HTTP 404/),
    });
    await expect(
      processor.handle({ deliveryId: failing.id }, { attemptsMade: 2, attempts: 3 }),
    ).rejects.toThrow(/HTTP 404/);
    expect(await state()).toEqual({
      state: 'failed',
      attempts: 2,
      answer: expect.stringMatching(/^HTTP 404/),
    });
    // And a redelivery of a failed one does nothing
    expect(await processor.handle({ deliveryId: failing.id })).toBe('skipped');
  });

  it('reconcile: run twice, it enqueues each lost job once', async () => {
    await h.deploy('lost.bpmn', flows.timer('wk-lost', 'PT1M'));
    const instance = await h.runtime.start({ templateKey: 'wk-lost' }, 'test');
    const [timer] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM timers WHERE instance_id = $1`,
      [instance.id],
    );
    // Given Redis lost everything, and the timer is due
    await h.deleteQueueKeys();
    h.clock.advance(60_000);
    // When the reconciler runs twice
    const first = await h.get(Reconciler).sweep();
    const second = await h.get(Reconciler).sweep();
    h.clock.advance(-60_000);
    // Then the timer's job was added once, ready to run
    expect(first.timers).toBe(1);
    expect(second.timers).toBe(0);
    const timers = h.queue(QueueName.Timers);
    expect(await timers.getJobState(`timer-${timer.id}`)).toBe('waiting');
    expect(await timers.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 1, delayed: 0 });
  });
});
