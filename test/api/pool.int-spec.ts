import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InstanceRuntime } from '@app/store';
import { type ApiHarness, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

interface Instance {
  id: string;
  state: string;
  openTasks: { id: string; elementId: string }[];
}

/**
 * A step holds one PostgreSQL connection and never waits for a second one: with a pool of one
 * connection, a completion on the locked path (no step cache) whose check must look up the
 * task's org unit (not yet known to the process) still answers. Were the lookup made on
 * another connection of the pool, it would wait for the step's own connection forever.
 */
describe('api: one PostgreSQL connection per process', () => {
  let api: ApiHarness;
  let key: string;

  beforeAll(async () => {
    api = await startApi({ env: { DATABASE_POOL_SIZE: '1', STEP_CACHE_SIZE: '0' } });
    key = `pool-${api.tag}`;
    const deployed = await api.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(fixtures.sequence(key, ['A', 'B']));
    expect(deployed.status).toBe(201);
  });

  afterAll(async () => {
    await api.close();
  });

  it('completes a task of a unit the process has not looked up yet, and refuses an outsider', async () => {
    // Given an instance in branch B, started without the api (so no request looked up the unit)
    const runtime = api.app.get(InstanceRuntime);
    const started = await runtime.start({ templateKey: key, orgUnitId: api.org.branchB }, 'tester');
    const [taskA] = await api.dataSource.query<{ id: string; element_id: string }[]>(
      `SELECT id, element_id FROM tasks WHERE instance_id = $1 AND state = 'open'`,
      [started.id],
    );
    expect(taskA?.element_id).toBe('A');
    // When the committee's secretary completes it, then the next task is open
    const completed = await api.http.post(`/api/tasks/${taskA.id}/complete`).send({});
    expect(completed.status).toBe(200);
    const body = completed.body as Instance;
    expect(body.openTasks.map((task) => task.elementId)).toEqual(['B']);
    // And a secretary of branch A is refused the next one (the check ran, on the same connection)
    const outsider = await api.user('outsider', [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
    const refused = await outsider.http
      .post(`/api/tasks/${body.openTasks[0].id}/complete`)
      .send({});
    // Out of scope is absent (404, as for an unknown task)
    expect(refused.status).toBe(404);
    const [row] = await api.dataSource.query<{ state: string }[]>(
      `SELECT state FROM tasks WHERE id = $1`,
      [body.openTasks[0].id],
    );
    expect(row.state).toBe('open');
  });

  it('completes a task whose template this process last read more than the cache’s age ago', async () => {
    // Given an open task, and the definitions this process keeps older than their age (1 s),
    // when the completion's check once refreshed them on a second connection, inside the step
    const runtime = api.app.get(InstanceRuntime);
    const started = await runtime.start({ templateKey: key, orgUnitId: api.org.branchB }, 'tester');
    const [task] = await api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1 AND state = 'open'`,
      [started.id],
    );
    await sleep(1_200);
    // When it is completed, then it answers: the check waits for no second connection
    const completed = await api.http.post(`/api/tasks/${task.id}/complete`).send({});
    expect(completed.status).toBe(200);
    expect((completed.body as Instance).openTasks.map((open) => open.elementId)).toEqual(['B']);
  }, 20_000);
});
