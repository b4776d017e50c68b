import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import { QueueName } from '@app/queue';
import { createDataSource } from '@app/store';
import { flows } from './support/bpmn.js';
import { FAST_RETRIES, type Harness, startHarness, waitFor } from './support/harness.js';

/** End to end through the real queues: the outbox enqueues, the BullMQ workers process. */
describe('worker queues: service tasks, timers and reminders through BullMQ', () => {
  let h: Harness;
  let flakyCalls = 0;
  let slowStarted = false;
  let slowFinished = false;

  beforeAll(async () => {
    h = await startHarness('queues', {
      jobOptions: FAST_RETRIES,
      // no-such-handler is listed (an integration's type) but no worker serves it
      env: { REMINDER_OFFSETS: 'PT1S', SERVICE_TASK_TYPES: 'no-such-handler' },
      handlers: {
        flaky: () => {
          flakyCalls += 1;
          if (flakyCalls <= 2) return Promise.reject(new Error(`flaky failure ${flakyCalls}`));
          return Promise.resolve({ flakyCalls });
        },
        slow: async () => {
          slowStarted = true;
          await new Promise((resolve) => setTimeout(resolve, 700));
          slowFinished = true;
          return { slow: true };
        },
      },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  const instanceState = async (id: string) =>
    (
      await h.dataSource.query<{ state: string }[]>(
        `SELECT state FROM process_instances WHERE id = $1`,
        [id],
      )
    )[0]?.state;
  const completed = (id: string) =>
    waitFor(`instance ${id} to complete`, async () => (await instanceState(id)) === 'completed');

  it('completes a service task by its handler (built-in noop)', async () => {
    await h.deploy('noop.bpmn', flows.service('wq-noop', 'noop'));
    const instance = await h.runtime.start({ templateKey: 'wq-noop' }, 'test');
    await completed(instance.id);
    const [task] = await h.dataSource.query<{ state: string; completed_by: string }[]>(
      `SELECT state, completed_by FROM tasks WHERE instance_id = $1`,
      [instance.id],
    );
    expect(task).toEqual({ state: 'completed', completed_by: 'system:worker' });
  });

  it('retries a failing handler with backoff until it succeeds', async () => {
    await h.deploy('flaky.bpmn', flows.service('wq-flaky', 'flaky'));
    const instance = await h.runtime.start({ templateKey: 'wq-flaky' }, 'test');
    await completed(instance.id);
    expect(flakyCalls).toBe(3);
    const [row] = await h.dataSource.query<{ variables: object }[]>(
      `SELECT variables FROM process_instances WHERE id = $1`,
      [instance.id],
    );
    expect(row.variables).toEqual({ flakyCalls: 3 });
  });

  it('refuses to deploy a service task of a type neither built in nor in SERVICE_TASK_TYPES, naming element and type', async () => {
    await expect(
      h.deploy('unlisted.bpmn', flows.service('wq-unlisted', 'not-listed')),
    ).rejects.toMatchObject({
      details: [
        expect.objectContaining({
          elementId: 'Work',
          message: expect.stringMatching(
            /type 'not-listed' has no handler: the known service-task types are .*flaky.*no-such-handler.*notify/,
          ),
        }),
      ],
    });
    const deployed = await h.dataSource.query<unknown[]>(
      `SELECT 1 FROM process_definitions WHERE key = 'wq-unlisted'`,
    );
    expect(deployed).toEqual([]);
  });

  it('retries the job of a listed type no worker serves, then withdraws the task and raises an incident naming the type', async () => {
    await h.deploy('unknown.bpmn', flows.service('wq-unknown', 'no-such-handler'));
    const instance = await h.runtime.start({ templateKey: 'wq-unknown' }, 'test');
    const [task] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1`,
      [instance.id],
    );
    await waitFor('the incident', async () => (await instanceState(instance.id)) === 'incident');
    const [row] = await h.dataSource.query<
      { task_state: string; incidents: Record<string, { elementId: string; message: string }> }[]
    >(
      `SELECT t.state AS task_state, p.engine_state->'incidents' AS incidents
         FROM tasks t JOIN process_instances p ON p.id = t.instance_id WHERE t.id = $1`,
      [task.id],
    );
    expect(row.task_state).toBe('cancelled');
    expect(Object.values(row.incidents)).toEqual([
      expect.objectContaining({
        elementId: 'Work',
        message: expect.stringMatching(
          new RegExp(
            `failed after ${FAST_RETRIES.attempts} attempt\\(s\\): no handler for job type 'no-such-handler'`,
          ),
        ),
      }),
    ]);
    // The job itself was attempted exactly as often as configured
    const job = (await h.queue(QueueName.Advance).getJob(`job-${task.id}`))!;
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toBe('failed');
  });

  it('fires a timer through the timers queue', async () => {
    await h.deploy('tick.bpmn', flows.timer('wq-tick', 'PT1S'));
    const instance = await h.runtime.start({ templateKey: 'wq-tick' }, 'test');
    await completed(instance.id);
    const fired = await h.dataSource.query<{ state: string }[]>(
      `SELECT state FROM timers WHERE instance_id = $1`,
      [instance.id],
    );
    expect(fired).toEqual([{ state: 'fired' }]);
  });

  it('writes a due reminder once through the reminders queue', async () => {
    // Given a task due in 2 s with the reminder offset PT1S: its reminder is due in 1 s
    await h.deploy('soon.bpmn', flows.userTask('wq-soon', { assignee: 'wang', dueDate: 'PT2S' }));
    const instance = await h.runtime.start({ templateKey: 'wq-soon' }, 'test');
    const notifications = () =>
      h.dataSource.query<{ recipient: string; dedupe_key: string }[]>(
        `SELECT n.recipient, n.dedupe_key FROM notifications n JOIN tasks t ON t.id = n.task_id WHERE t.instance_id = $1`,
        [instance.id],
      );
    const written = await waitFor('the reminder', async () => {
      const rows = await notifications();
      return rows.length > 0 ? rows : undefined;
    });
    expect(written).toEqual([
      { recipient: 'wang', dedupe_key: expect.stringMatching(/^reminder-.*-PT1S$/) },
    ]);
    const events = await h.dataSource.query<{ type: string; data: { offset: string } }[]>(
      `SELECT type, data FROM audit_events WHERE instance_id = $1 AND type = 'task.reminded'`,
      [instance.id],
    );
    expect(events).toEqual([
      { type: 'task.reminded', data: expect.objectContaining({ offset: 'PT1S' }) },
    ]);
    // And once its job is done, it is still the one notification
    const [task] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1`,
      [instance.id],
    );
    const reminders = h.queue(QueueName.Reminders);
    await waitFor(
      'the reminder job to complete',
      async () => (await reminders.getJobState(`reminder-${task.id}-PT1S`)) === 'completed',
    );
    expect(await notifications()).toHaveLength(1);
  });

  it("notify-members writes one notification per recipient of the instance's unit and completes the task", async () => {
    const org = h.get(OrgDirectory);
    await org.createUnit({ id: 'wq-c', parentId: null, kind: 'committee', name: '党委' });
    await org.createUnit({ id: 'wq-a', parentId: 'wq-c', kind: 'branch', name: '一支部' });
    await org.createUnit({ id: 'wq-b', parentId: 'wq-c', kind: 'branch', name: '二支部' });
    const member = (name: string, unit: string) =>
      org.createMember({ orgUnitId: unit, name, status: 'full' });
    const zhang = await member('张三', 'wq-a');
    const li = await member('李四', 'wq-a');
    const wang = await member('王五', 'wq-b');
    const supervisor = await org.createUser({
      name: '总支书记',
      grants: [{ role: 'supervisor', orgUnitId: 'wq-c' }],
    });
    await h.deploy(
      'notify.bpmn',
      flows.service('wq-notify', 'notify-members', {
        title: '主题党日：{theme}',
        message: '时间：{date}',
      }),
    );
    const recipients = [zhang.id, `user:${li.id}`, `user:${supervisor.userId}`];
    const instance = await h.runtime.start(
      {
        templateKey: 'wq-notify',
        orgUnitId: 'wq-a',
        variables: { theme: '学习二十大', date: '2026-03-15', recipients },
      },
      'test',
    );
    await completed(instance.id);
    const rows = await h.dataSource.query<
      { recipient: string; title: string; body: string; kind: string }[]
    >(
      `SELECT recipient, title, body, kind FROM notifications WHERE instance_id = $1 ORDER BY recipient`,
      [instance.id],
    );
    const notice = { title: '主题党日：学习二十大', body: '时间：2026-03-15', kind: 'notice' };
    expect(rows).toEqual(recipients.sort().map((recipient) => ({ recipient, ...notice })));
    // Without `recipients` it goes to every member
    await h.deploy('notify-all.bpmn', flows.service('wq-notify-all', 'notify-members'));
    const all = await h.runtime.start({ templateKey: 'wq-notify-all' }, 'test');
    await completed(all.id);
    const [row] = await h.dataSource.query<{ recipient: string }[]>(
      `SELECT recipient FROM notifications WHERE instance_id = $1`,
      [all.id],
    );
    expect(row).toEqual({ recipient: 'group:members' });

    // A member of another branch, an unknown id or a name is nobody of the unit: an incident
    // naming them, and nobody is notified
    for (const outsider of [
      wang.id,
      `user:${wang.id}`,
      '00000000-0000-4000-8000-000000000000',
      'li',
    ]) {
      const refused = await h.runtime.start(
        {
          templateKey: 'wq-notify',
          orgUnitId: 'wq-a',
          variables: { theme: '学习', date: '2026-03-15', recipients: [zhang.id, outsider] },
        },
        'test',
      );
      await waitFor('the incident', async () => (await instanceState(refused.id)) === 'incident');
      const [state] = await h.dataSource.query<
        { incidents: Record<string, { message: string }> }[]
      >(`SELECT engine_state->'incidents' AS incidents FROM process_instances WHERE id = $1`, [
        refused.id,
      ]);
      expect(Object.values(state.incidents).map((i) => i.message)).toEqual([
        expect.stringContaining(`'recipients' names nobody of org unit 'wq-a': '${outsider}'`),
      ]);
      const sent = await h.dataSource.query<unknown[]>(
        `SELECT 1 FROM notifications WHERE instance_id = $1`,
        [refused.id],
      );
      expect(sent).toEqual([]);
    }
  });

  it('lets a running job finish when the app shuts down', async () => {
    await h.deploy('slow.bpmn', flows.service('wq-slow', 'slow'));
    const instance = await h.runtime.start({ templateKey: 'wq-slow' }, 'test');
    await waitFor('the slow handler to start', () => Promise.resolve(slowStarted));
    // When the app closes while the handler runs
    await h.closeApp();
    // Then the handler finished and its completion was committed before the database closed
    expect(slowFinished).toBe(true);
    const check = createDataSource(h.databaseUrl, { poolSize: 1 });
    await check.initialize();
    try {
      const [row] = await check.query<{ state: string }[]>(
        `SELECT state FROM process_instances WHERE id = $1`,
        [instance.id],
      );
      expect(row).toEqual({ state: 'completed' });
    } finally {
      await check.destroy();
    }
  });
});
