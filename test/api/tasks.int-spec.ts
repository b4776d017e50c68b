import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { type ApiHarness, type SuiteUser, expectError, startApi } from './api-harness.js';
import { bpmn } from '../support/bpmn.js';
import { fixtures, reviewForm } from './fixtures.js';

interface Task {
  id: string;
  instanceId: string;
  elementId: string;
  state: string;
  dueAt: string | null;
  overdue: boolean;
  light: 'green' | 'yellow' | 'red' | null;
  claimedBy: string | null;
}

interface Instance {
  id: string;
  state: string;
  openTasks: { id: string; elementId: string }[];
}

const DAY = 24 * 3600_000;
const VALID = { summary: 'Studied the plenum', attendance: 12, rating: 'good', topics: ['study'] };

describe('api: tasks', () => {
  let api: ApiHarness;
  let key: string;
  let tag: string;
  let li: SuiteUser;
  let wang: SuiteUser;
  let zhao: SuiteUser;
  let outsider: SuiteUser;
  let LI: string;
  const instances: Instance[] = [];

  beforeAll(async () => {
    api = await startApi({ forms: { 'review-form': reviewForm } });
    tag = api.tag;
    key = `tasks-${tag}`;
    // li reviews (assignee); wang and zhao are secretaries of branch A; the outsider of B
    li = await api.user('li', [{ role: 'member', orgUnitId: api.org.branchA }]);
    LI = li.userId;
    wang = await api.user('wang', [{ role: 'secretary', orgUnitId: api.org.branchA }]);
    zhao = await api.user('zhao', [{ role: 'secretary', orgUnitId: api.org.branchA }]);
    outsider = await api.user('outsider', [{ role: 'secretary', orgUnitId: api.org.branchB }]);
    for (const xml of [
      fixtures.review(key, tag, 'review-form', LI),
      fixtures.sequence(`${key}-plain`, ['A', 'B']),
      fixtures.service(`${key}-service`),
      bpmn.parallel(`${key}-fork`, ['A', 'B', 'C'], 'After'),
    ]) {
      // forms deploy with their template (issue 14): a bundle { bpmn, forms }
      const deployed = await api.http
        .post('/api/templates')
        .send({ bpmn: xml, forms: { 'review-form': reviewForm } });
      expect(deployed.status).toBe(201);
    }
    // Three review instances, started a day apart (so their due dates differ)
    for (let i = 0; i < 3; i++) {
      const started = await api.http
        .post('/api/instances')
        .send({ templateKey: key, businessKey: `${key}:${i}`, orgUnitId: api.org.branchA });
      expect(started.status).toBe(201);
      instances.push(started.body as Instance);
      api.clock.advance(DAY);
    }
  });

  afterAll(async () => {
    await api.close();
  });

  const list = async (query: string) => {
    const response = await api.http.get(`/api/tasks?${query}`);
    expect(response.status).toBe(200);
    return response.body as {
      items: Task[];
      total: number;
      totalIsApproximate: boolean;
      nextCursor: string | null;
      page: number | null;
      pageSize: number;
    };
  };
  const reviewOf = (i: number) => instances[i].openTasks[0].id;
  const start = async (templateKey: string) =>
    (await api.http.post('/api/instances').send({ templateKey, orgUnitId: api.org.branchA }))
      .body as Instance;

  it('filters by instance, assignee and candidate group, soonest due first', async () => {
    const byInstance = await list(`instanceId=${instances[1].id}`);
    expect(byInstance).toEqual({
      items: [
        {
          id: reviewOf(1),
          instanceId: instances[1].id,
          templateKey: key,
          kind: 'user',
          elementId: 'Review',
          name: 'Review step',
          assignee: LI,
          // names, not ids, for people (issue 14, part 5); a group that is no role reads as itself
          assigneeName: 'li',
          candidateGroups: [`branch-a-${tag}`, `branch-b-${tag}`],
          candidateUsers: [],
          candidates: [`branch-a-${tag}`, `branch-b-${tag}`].map((group) => ({
            id: group,
            name: `第一支部 ${group}`,
            kind: 'group',
          })),
          orgUnitId: api.org.branchA,
          orgUnitName: '第一支部',
          templateName: null,
          dueAt: new Date(Date.parse('2026-03-02T01:00:00Z') + 3 * DAY).toISOString(),
          followUpAt: null,
          overdue: false,
          // due at T0 + 3 days, opened at T0 + 1 day: with the grace, due at T0 + 4 days, 1 day away
          light: 'yellow',
          businessKey: `${key}:1`,
          state: 'open',
          claimedBy: null,
          claimedByName: null,
          completedBy: null,
          completedByName: null,
          formKey: 'review-form',
          createdAt: new Date(Date.parse('2026-03-02T01:00:00Z') + DAY).toISOString(),
          endedAt: null,
        },
      ],
      total: 1,
      totalIsApproximate: false,
      nextCursor: null,
      page: 1,
      pageSize: 20,
    });
    const byAssignee = await list(`assignee=${LI}`);
    expect(byAssignee.items.map((task) => task.id)).toEqual([0, 1, 2].map(reviewOf));
    const byGroup = await list(`candidateGroup=branch-b-${tag}`);
    expect(byGroup.total).toBe(3);
    expect((await list(`candidateGroup=nobody-${tag}`)).total).toBe(0);
  });

  it('paginates with a bounded page size', async () => {
    const first = await list(`assignee=${LI}&pageSize=2&page=1`);
    const second = await list(`assignee=${LI}&pageSize=2&page=2`);
    expect(first).toEqual(expect.objectContaining({ total: 3, page: 1, pageSize: 2 }));
    expect(first.items.map((task) => task.id)).toEqual([reviewOf(0), reviewOf(1)]);
    expect(second.items.map((task) => task.id)).toEqual([reviewOf(2)]);
    // A page past the end is empty and still counts every match
    expect(await list(`assignee=${LI}&pageSize=2&page=3`)).toEqual(
      expect.objectContaining({ items: [], total: 3, page: 3 }),
    );
    const tooBig = expectError(await api.http.get('/api/tasks?pageSize=101'), 400);
    expect(tooBig.details).toEqual([
      { field: 'pageSize', message: 'pageSize 必须是 1 到 100 之间的整数' },
    ]);
    expectError(await api.http.get('/api/tasks?page=0'), 400);
  });

  it('pages by cursor: each task once, to a null nextCursor; a cursor not of the list is 400', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await list(`assignee=${LI}&pageSize=1${cursor}`);
      expect(page).toEqual(expect.objectContaining({ total: 3, totalIsApproximate: false }));
      seen.push(...page.items.map((task) => task.id));
      if (page.nextCursor === null) break;
      cursor = `&cursor=${page.nextCursor}`;
    }
    expect(seen).toEqual([0, 1, 2].map(reviewOf));
    const newest = (await api.http.get(`/api/tasks?assignee=${LI}&pageSize=1&sort=created`))
      .body as { nextCursor: string };
    const created = (
      await api.http.get(
        `/api/tasks?assignee=${LI}&pageSize=5&sort=created&cursor=${newest.nextCursor}`,
      )
    ).body as { items: Task[] };
    expect(created.items.map((task) => task.id)).toEqual([reviewOf(1), reviewOf(0)]);
    // a created-order cursor in the due order, and no cursor at all
    for (const bad of [newest.nextCursor, 'nonsense']) {
      const refused = expectError(
        await api.http.get(`/api/tasks?assignee=${LI}&cursor=${bad}`),
        400,
      );
      expect(refused.details).toEqual([expect.objectContaining({ field: 'cursor' })]);
    }
  });

  it('filters overdue tasks by the clock, once they have had the grace', async () => {
    // Now is T0 + 3 days: the first review was due at T0 + 2 days, but opened at T0 it counts
    // as overdue only once it has been open LEDGER_GRACE_DAYS (3)
    expect((await list(`assignee=${LI}&overdue=true`)).items).toEqual([]);
    expect((await list(`assignee=${LI}`)).items.map((task) => task.overdue)).toEqual([
      false,
      false,
      false,
    ]);
    api.clock.advance(1000);
    try {
      const overdue = await list(`assignee=${LI}&overdue=true`);
      expect(overdue.items.map((task) => [task.id, task.overdue])).toEqual([[reviewOf(0), true]]);
      const notOverdue = await list(`assignee=${LI}&overdue=false`);
      expect(notOverdue.items.map((task) => task.id)).toEqual([reviewOf(1), reviewOf(2)]);
    } finally {
      api.clock.advance(-1000);
    }
    expectError(await api.http.get('/api/tasks?overdue=maybe'), 400);
  });

  it('filters the inbox by template, light and due time, and sorts newest first', async () => {
    const ids = async (query: string) =>
      (await list(`assignee=${LI}&${query}`)).items.map((task) => task.id);
    const all = [0, 1, 2].map(reviewOf);
    expect(await ids(`templateKey=${key}`)).toEqual(all);
    expect(await ids(`templateKey=${key}-plain`)).toEqual([]);
    // nominal due times T0 + 2, 3, 4 days
    expect(
      await ids(
        `dueBefore=${new Date(Date.parse('2026-03-02T01:00:00Z') + 3 * DAY).toISOString()}`,
      ),
    ).toEqual([reviewOf(0)]);
    expect(await ids('sort=created')).toEqual([...all].reverse());
    // Now T0 + 3 days: with the grace, due at T0 + 3, 4, 5 days — all within LEDGER_YELLOW_DAYS
    expect(await ids('light=yellow')).toEqual(all);
    expect(await ids('light=red')).toEqual([]);
    expect(await ids('light=green')).toEqual([]);
    api.clock.advance(1000);
    try {
      expect(await ids('light=red')).toEqual([reviewOf(0)]);
      expect(await ids('light=yellow')).toEqual([reviewOf(1), reviewOf(2)]);
      expect((await list(`assignee=${LI}`)).items.map((task) => task.light)).toEqual([
        'red',
        'yellow',
        'yellow',
      ]);
    } finally {
      api.clock.advance(-1000);
    }
    // At T0 + 1 day the third (due at T0 + 5 days with the grace) is more than 3 days away
    api.clock.advance(-2 * DAY);
    try {
      expect(await ids('light=green')).toEqual([reviewOf(2)]);
      expect(await ids('light=yellow')).toEqual([reviewOf(0), reviewOf(1)]);
    } finally {
      api.clock.advance(2 * DAY);
    }
    const badLight = expectError(await api.http.get('/api/tasks?light=purple'), 400);
    expect(badLight.details).toEqual([expect.objectContaining({ field: 'light' })]);
    const badDue = expectError(await api.http.get('/api/tasks?dueBefore=soon'), 400);
    expect(badDue.details).toEqual([expect.objectContaining({ field: 'dueBefore' })]);
    expectError(await api.http.get('/api/tasks?sort=random'), 400);
  });

  it('lists service-task jobs only when asked', async () => {
    const instance = await start(`${key}-service`);
    expect(instance.openTasks).toEqual([expect.objectContaining({ elementId: 'Job' })]);
    expect((await list(`instanceId=${instance.id}`)).total).toBe(0);
    const jobs = await list(`instanceId=${instance.id}&kind=service`);
    expect(jobs.items).toEqual([expect.objectContaining({ kind: 'service', elementId: 'Job' })]);
  });

  it('serves a task with its form', async () => {
    const response = await api.http.get(`/api/tasks/${reviewOf(0)}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(
      expect.objectContaining({
        id: reviewOf(0),
        formKey: 'review-form',
        form: reviewForm,
        canAct: true,
      }),
    );
    expectError(await api.http.get(`/api/tasks/${randomUUID()}`), 404, 'TASK_NOT_FOUND');
  });

  it('refuses values that do not fit the form with 400 naming the fields', async () => {
    const response = await li.http
      .post(`/api/tasks/${reviewOf(2)}/complete`)
      .send({ variables: { attendance: 'twelve', approved: 'yes', rating: 'meh', topics: ['x'] } });
    const body = expectError(response, 400, 'INVALID_VARIABLES');
    expect(body.details).toEqual([
      { field: 'summary', message: '必填' },
      { field: 'attendance', message: '必须是数字' },
      { field: 'approved', message: '必须是 true 或 false' },
      { field: 'rating', message: '必须是以下之一："good"、"poor"' },
      { field: 'topics', message: expect.stringContaining('"x"') },
    ]);
    expect(body.message).toBe(
      '表单填写有误，请检查：summary, attendance, approved, rating, topics',
    );
    // And the task is still open
    expect((await list(`instanceId=${instances[2].id}`)).items[0]?.state).toBe('open');
  });

  it('claims a task: idempotent for the claimant, 409 for anyone else, and only the claimant completes it', async () => {
    // A task that names nobody falls to the secretaries of the instance's branch
    const instance = await start(`${key}-plain`);
    const id = instance.openTasks[0].id;
    const claimed = await wang.http.post(`/api/tasks/${id}/claim`);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toEqual(expect.objectContaining({ id, claimedBy: wang.userId }));
    expect((await wang.http.post(`/api/tasks/${id}/claim`)).status).toBe(200);
    const stolen = expectError(await zhao.http.post(`/api/tasks/${id}/claim`), 409, 'TASK_CLAIMED');
    expect(stolen.message).toBe('该任务已由他人认领，只有认领人可以办理');
    expect(stolen.details).toEqual({ claimedBy: wang.userId });
    expectError(
      await zhao.http.post(`/api/tasks/${id}/complete`).send({ variables: {} }),
      409,
      'TASK_CLAIMED',
    );
    // The other branch's secretary may neither claim nor complete it: out of scope is absent
    expectError(await outsider.http.post(`/api/tasks/${id}/claim`), 404, 'TASK_NOT_FOUND');
    expectError(
      await outsider.http.post(`/api/tasks/${id}/complete`).send({}),
      404,
      'TASK_NOT_FOUND',
    );
    expectError(await wang.http.post(`/api/tasks/${randomUUID()}/claim`), 404, 'TASK_NOT_FOUND');

    // When the claimant completes it
    const completed = await wang.http
      .post(`/api/tasks/${id}/complete`)
      .send({ variables: { done: true } });
    // Then the answer is the instance, moved on to B
    expect(completed.status).toBe(200);
    expect(completed.body).toEqual(
      expect.objectContaining({
        id: instance.id,
        state: 'active',
        variables: { done: true },
        openTasks: [expect.objectContaining({ elementId: 'B' })],
      }),
    );
    // And the task row and the history agree
    const [row] = await api.dataSource.query<{ state: string; completed_by: string }[]>(
      `SELECT state, completed_by FROM tasks WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ state: 'completed', completed_by: wang.userId });
    const history = await api.http.get(`/api/instances/${instance.id}/history`);
    const types = (history.body as { items: { type: string; actor: string }[] }).items;
    expect(types.filter((event) => event.type === 'task.claimed')).toEqual([
      expect.objectContaining({ actor: wang.userId }),
    ]);
    expect(types.find((event) => event.type === 'task.completed')?.actor).toBe(wang.userId);
    // Completed tasks are listed by state
    expect(
      (await list(`instanceId=${instance.id}&state=completed`)).items.map((t) => t.id),
    ).toEqual([id]);
    // One instance's list counts its tasks from its page when the page holds them all, and
    // counts them apart when it does not (full pages, pages past the end, cursors)
    const counts = async (query: string) => {
      const page = await list(`instanceId=${instance.id}&${query}`);
      return { n: page.items.length, total: page.total, more: page.nextCursor !== null };
    };
    expect(await counts('pageSize=20')).toEqual({ n: 2, total: 2, more: false });
    expect(await counts('pageSize=1')).toEqual({ n: 1, total: 2, more: true });
    expect(await counts('pageSize=1&page=2')).toEqual({ n: 1, total: 2, more: false });
    expect(await counts('pageSize=1&page=3')).toEqual({ n: 0, total: 2, more: false });
    const first = await list(`instanceId=${instance.id}&pageSize=1`);
    expect(await counts(`pageSize=1&cursor=${first.nextCursor}`)).toEqual({
      n: 1,
      total: 2,
      more: false,
    });
    // A completed task can no longer be claimed
    expectError(await wang.http.post(`/api/tasks/${id}/claim`), 409, 'TASK_NOT_OPEN');
  });

  it('lets the assignee (or the branch secretary for them) complete an assigned task; to anyone else it is absent (404)', async () => {
    const id = reviewOf(1);
    const otherMember = await api.user('other-member', [
      { role: 'member', orgUnitId: api.org.branchA },
    ]);
    expectError(
      await otherMember.http.post(`/api/tasks/${id}/complete`).send({ variables: VALID }),
      404,
      'TASK_NOT_FOUND',
    );
    expectError(
      await outsider.http.post(`/api/tasks/${id}/complete`).send({ variables: VALID }),
      404,
      'TASK_NOT_FOUND',
    );
    const done = await li.http.post(`/api/tasks/${id}/complete`).send({ variables: VALID });
    expect(done.status).toBe(200);
    // A member's reply shows what their form shows and the open tasks that are theirs: the next
    // step is offered to another group, so it is not in it (the branch's secretary sees it)
    expect(done.body).toEqual(expect.objectContaining({ variables: VALID, openTasks: [] }));
    const instanceId = (done.body as { id: string }).id;
    expect((await wang.http.get(`/api/instances/${instanceId}`)).body).toEqual(
      expect.objectContaining({
        openTasks: [
          expect.objectContaining({ elementId: 'Approve', candidateGroups: [`committee-${tag}`] }),
        ],
      }),
    );
    expect((await list(`assignee=${LI}&state=completed`)).items.map((t) => t.id)).toEqual([id]);
  });

  it('lists only the tasks in scope: the other branch sees none of branch A, and learns nothing by asking', async () => {
    const mine = await outsider.http.get('/api/tasks');
    expect(mine.status).toBe(200);
    expect((mine.body as { total: number }).total).toBe(0);
    // A unit outside the scope is an unknown unit; an instance outside it lists nothing
    expectError(await outsider.http.get(`/api/tasks?orgUnitId=${api.org.branchA}`), 400);
    const probed = await outsider.http.get(`/api/tasks?instanceId=${instances[0].id}`);
    expect({ status: probed.status, total: (probed.body as { total: number }).total }).toEqual({
      status: 200,
      total: 0,
    });
    expectError(await outsider.http.get(`/api/tasks/${reviewOf(0)}`), 404, 'TASK_NOT_FOUND');
    // The assignee sees their own tasks, wherever they are
    const own = await li.http.get('/api/tasks?state=open');
    expect((own.body as { items: Task[] }).items.map((task) => task.id)).toContain(reviewOf(2));
    expectError(await api.anonymous.get('/api/tasks'), 401);
  });

  it('refuses to complete a task twice (409)', async () => {
    const id = reviewOf(0);
    const first = await li.http.post(`/api/tasks/${id}/complete`).send({ variables: VALID });
    expect(first.status).toBe(200);
    const second = await li.http.post(`/api/tasks/${id}/complete`).send({ variables: VALID });
    const body = expectError(second, 409, 'TASK_NOT_OPEN');
    expect(body.message).toBe('该任务已完成，不能再办理');
  });

  it('refuses to complete a cancelled task (409)', async () => {
    const instance = await start(`${key}-plain`);
    await api.http.post(`/api/instances/${instance.id}/cancel`).expect(200);
    const response = await api.http
      .post(`/api/tasks/${instance.openTasks[0].id}/complete`)
      .send({});
    expect(expectError(response, 409, 'TASK_NOT_OPEN').message).toBe('该任务已取消，不能再办理');
  });

  it('lets exactly one of two concurrent completions of a task through', async () => {
    const instance = await start(`${key}-plain`);
    const id = instance.openTasks[0].id;
    const responses = await Promise.all([
      api.http.post(`/api/tasks/${id}/complete`).send({ variables: { by: 1 } }),
      api.http.post(`/api/tasks/${id}/complete`).send({ variables: { by: 2 } }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    const refused = responses.find((response) => response.status === 409)!;
    expectError(refused, 409, 'TASK_NOT_OPEN');
    // And the next task exists once
    const tasks = await list(`instanceId=${instance.id}&state=open`);
    expect(tasks.items.map((task) => task.elementId)).toEqual(['B']);
  });

  it('completes a task without a form with any variables', async () => {
    const instance = await start(`${key}-plain`);
    const done = await api.http
      .post(`/api/tasks/${instance.openTasks[0].id}/complete`)
      .send({ variables: { anything: ['goes'] } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual(
      expect.objectContaining({
        variables: { anything: ['goes'] },
        openTasks: [expect.objectContaining({ elementId: 'B' })],
      }),
    );
    expectError(
      await api.http.post(`/api/tasks/${randomUUID()}/complete`).send({}),
      404,
      'TASK_NOT_FOUND',
    );
  });

  it('answers a completion with the instance as a GET right after it shows it', async () => {
    // Given a fork with three open branches, one of them claimed
    const instance = await start(`${key}-fork`);
    expect(instance).toEqual((await api.http.get(`/api/instances/${instance.id}`)).body);
    const byElement = (body: Instance, elementId: string) =>
      body.openTasks.find((task) => task.elementId === elementId)!.id;
    await wang.http.post(`/api/tasks/${byElement(instance, 'B')}/claim`).expect(200);
    // When the branches complete one by one (the claimed one by its claimant)
    for (const [elementId, user] of [
      ['A', zhao],
      ['B', wang],
      ['C', zhao],
    ] as const) {
      const current = await api.http.get(`/api/instances/${instance.id}`).expect(200);
      const done = await user.http
        .post(`/api/tasks/${byElement(current.body as Instance, elementId)}/complete`)
        .send({ variables: { [elementId]: true } })
        .expect(200);
      // Then each answer is what a GET of the instance shows right after
      const after = await api.http.get(`/api/instances/${instance.id}`).expect(200);
      expect(done.body).toEqual(after.body);
    }
    // And after the join only After is open
    const last = await api.http.get(`/api/instances/${instance.id}`).expect(200);
    expect((last.body as Instance).openTasks.map((task) => task.elementId)).toEqual(['After']);
  });

  it('says whether the caller may act on a task she sees (canAct)', async () => {
    const instance = await start(key);
    const review = instance.openTasks[0].id;
    expect((await li.http.get(`/api/tasks/${review}`)).body).toEqual(
      expect.objectContaining({ canAct: true }),
    );
    const done = await li.http.post(`/api/tasks/${review}/complete`).send({ variables: VALID });
    expect(done.status).toBe(200);
    // The approval is offered to the committee's group: branch A's secretary sees it, no more
    const [approve] = (await list(`instanceId=${instance.id}&state=open`)).items.map((t) => t.id);
    const seen = await wang.http.get(`/api/tasks/${approve}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual(expect.objectContaining({ elementId: 'Approve', canAct: false }));
    expect((await wang.http.post(`/api/tasks/${approve}/complete`).send({})).status).not.toBe(200);
  });
});
