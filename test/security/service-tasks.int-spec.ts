/**
 * Issue 13, finding 7: a secretary completed a service task by hand, skipping its handler and
 * injecting variables. A service task's job is its worker's: the people's routes answer it as
 * a task that does not exist (404), and the worker still completes it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectError } from '../api/api-harness.js';
import {
  type Stack,
  chainXml,
  serviceTaskXml,
  startStack,
  userTaskXml,
  waitFor,
} from './support/stack.js';

let s: Stack;
const KEY = 'sec-service';
let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => {
  release = resolve;
});

beforeAll(async () => {
  s = await startStack('service', {
    handlers: {
      'sec-gated': async () => {
        await gate;
        return { outcome: 'from-handler' };
      },
    },
  });
  await s.deploy(chainXml(KEY, [serviceTaskXml('Job', 'sec-gated'), userTaskXml('After')]));
}, 120_000);

afterAll(async () => {
  release();
  await s?.close();
});

type Body = Record<string, unknown>;

describe('a service task through the people’s routes', () => {
  it('given an open service task, when its unit’s secretary or a supervisor completes or claims it, then 404 as for no task, and only the worker completes it', async () => {
    const started = await s.users.secretaryA.http
      .post('/api/instances')
      .send({ templateKey: KEY, orgUnitId: s.api.org.branchA });
    expect(started.status).toBe(201);
    const job = ((started.body as Body).openTasks as { id: string; kind: string }[])[0];
    expect(job.kind).toBe('service');

    const ghost = randomUUID();
    const missing = expectError(
      await s.users.secretaryA.http.post(`/api/tasks/${ghost}/complete`).send({}),
      404,
      'TASK_NOT_FOUND',
    );
    for (const user of [s.users.secretaryA, s.users.supervisor]) {
      const completed = expectError(
        await user.http
          .post(`/api/tasks/${job.id}/complete`)
          .send({ variables: { outcome: 'injected' } }),
        404,
        'TASK_NOT_FOUND',
      );
      expect(JSON.stringify(completed).replaceAll(job.id, '<id>')).toBe(
        JSON.stringify(missing).replaceAll(ghost, '<id>'),
      );
      expectError(
        await user.http.post(`/api/tasks/${job.id}/claim`).send({}),
        404,
        'TASK_NOT_FOUND',
      );
    }
    // Not offered to people as a task either
    const listed = await s.users.secretaryA.http.get('/api/tasks');
    expect((listed.body as { items: { id: string }[] }).items.map((t) => t.id)).not.toContain(
      job.id,
    );
    const [row] = await s.api.dataSource.query<{ state: string; claimed_by: string | null }[]>(
      `SELECT state, claimed_by FROM tasks WHERE id = $1`,
      [job.id],
    );
    expect(row).toEqual({ state: 'open', claimed_by: null });

    // The worker's path still completes it, with the handler's variables
    release();
    const after = await waitFor('the worker’s completion', async () => {
      const response = await s.users.secretaryA.http.get(
        `/api/instances/${(started.body as Body).id as string}`,
      );
      const body = response.body as Body;
      return (body.openTasks as { elementId: string }[]).some((t) => t.elementId === 'After')
        ? body
        : undefined;
    });
    expect((after.variables as Body).outcome).toBe('from-handler');
  });
});
