/**
 * Issue 13, finding 1 (and the start part of 10): a process acts only on members of its own org
 * unit's subtree. A secretary of branch A names a member of branch B — at the start, in a task's
 * values, when resolving an incident — and is refused as if the member did not exist; and the
 * `member-status` handler, given such an instance anyway (data from before the check), writes
 * nothing and raises an incident instead. A unit outside the caller's scope is answered as an
 * unknown one when starting.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
const KEY = 'sec-member-status';
const RECORD = 'sec-attendance';

beforeAll(async () => {
  s = await startStack('scope');
  // start -> set the member named by memberId to activist -> a record -> end
  await s.deploy(
    chainXml(KEY, [
      serviceTaskXml('MakeActivist', 'member-status', { status: 'activist' }),
      userTaskXml('Record'),
    ]),
  );
  await s.deploy(chainXml(RECORD, [userTaskXml('Record'), userTaskXml('After')]));
  await s.deploy(
    await readFile(
      new URL('../../process-templates/member-development.bpmn', import.meta.url),
      'utf8',
    ),
  );
}, 120_000);

afterAll(async () => {
  await s?.close();
});

type Body = Record<string, unknown>;
const status = async (memberId: string) => (await s.directory.member(memberId)).status;
const instanceCount = async () =>
  (
    await s.api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM process_instances`,
    )
  )[0].n;
/** The body with the given ids replaced, to compare two refusals' words. */
const neutral = (body: unknown, ...ids: string[]) =>
  ids.reduce((text, id) => text.replaceAll(id, '<id>'), JSON.stringify(body));

describe('starting', () => {
  it('given branch A’s secretary, when starting member-development for a member of branch B, then 400 naming memberId, as for no member at all, and no instance', async () => {
    const other = s.members.b[0];
    const before = await instanceCount();
    const start = (memberId: string) =>
      s.users.secretaryA.http.post('/api/instances').send({
        templateKey: 'member-development',
        orgUnitId: s.api.org.branchA,
        variables: {
          memberId,
          memberName: '乙一',
          birthDate: '1990-01-01',
          applicationDate: '2026-03-01',
        },
      });
    const outside = expectError(await start(other.id), 400, 'INVALID_VARIABLES');
    expect(outside.details).toEqual([
      expect.objectContaining({ field: 'memberId', message: expect.stringContaining(other.id) }),
    ]);
    const ghost = randomUUID();
    const unknown = expectError(await start(ghost), 400, 'INVALID_VARIABLES');
    expect(neutral(outside, other.id)).toBe(neutral(unknown, ghost));
    expect(JSON.stringify(outside)).not.toContain(s.api.org.branchB);
    expect(await instanceCount()).toBe(before);
    expect(await status(other.id)).toBe('full');
    // The control: the branch's own member is accepted
    expect((await start(s.members.a[1].id)).status).toBe(201);
  });

  it('given lists and records that name members (memberIds, attendance, sponsors, contacts), then each variable with a member of another branch is named', async () => {
    const [a1, a2] = s.members.a;
    const b1 = s.members.b[0];
    const refused = expectError(
      await s.users.secretaryA.http.post('/api/instances').send({
        templateKey: RECORD,
        orgUnitId: s.api.org.branchA,
        variables: {
          memberIds: [a1.id, b1.id],
          attendance: [a2.id],
          sponsors: [
            { name: 'x', memberId: a1.id },
            { name: 'y', memberId: b1.id },
          ],
          contacts: [{ name: 'z', memberId: 'not-a-member' }],
        },
      }),
      400,
      'INVALID_VARIABLES',
    );
    expect((refused.details as { field: string }[]).map((d) => d.field)).toEqual([
      'memberIds',
      'sponsors',
      'contacts',
    ]);
  });

  it('given a supervisor over both branches, then a member of branch B is of the instance’s unit only when the instance is in branch B', async () => {
    const b1 = s.members.b[0];
    const start = (orgUnitId: string) =>
      s.users.supervisor.http
        .post('/api/instances')
        .send({ templateKey: RECORD, orgUnitId, variables: { memberId: b1.id } });
    expectError(await start(s.api.org.branchA), 400, 'INVALID_VARIABLES');
    expect((await start(s.api.org.branchB)).status).toBe(201);
  });

  it('given a unit outside the caller’s scope, then the same 400 naming orgUnitId as for a unit that does not exist', async () => {
    const start = (orgUnitId: string) =>
      s.users.secretaryA.http.post('/api/instances').send({ templateKey: RECORD, orgUnitId });
    const outside = expectError(await start(s.api.org.branchB), 400);
    const unknown = expectError(await start('no-such-unit'), 400);
    expect(outside.details).toEqual([expect.objectContaining({ field: 'orgUnitId' })]);
    expect(neutral(outside, s.api.org.branchB)).toBe(neutral(unknown, 'no-such-unit'));
  });
});

describe('completing and resolving', () => {
  it('given a task of branch A, when its values name a member of branch B, then 400 naming the variable, and the task stays open', async () => {
    const started = await s.users.secretaryA.http
      .post('/api/instances')
      .send({ templateKey: RECORD, orgUnitId: s.api.org.branchA });
    expect(started.status).toBe(201);
    const taskId = ((started.body as Body).openTasks as { id: string }[])[0].id;
    const complete = (attendance: string[]) =>
      s.users.secretaryA.http
        .post(`/api/tasks/${taskId}/complete`)
        .send({ variables: { attendance } });
    const refused = expectError(
      await complete([s.members.a[0].id, s.members.b[1].id]),
      400,
      'INVALID_VARIABLES',
    );
    expect(refused.details).toEqual([expect.objectContaining({ field: 'attendance' })]);
    const task = await s.users.secretaryA.http.get(`/api/tasks/${taskId}`);
    expect((task.body as Body).state).toBe('open');
    expect((await complete([s.members.a[0].id, s.members.a[1].id])).status).toBe(200);
  });

  it('given an instance whose member-status step has an incident, when resolving it with a member of branch B, then 400 and nothing written', async () => {
    const started = await s.runtime.start(
      { templateKey: KEY, orgUnitId: s.api.org.branchA, variables: {} },
      'test',
    );
    const incident = await waitFor('the incident (no memberId)', async () => {
      const response = await s.users.secretaryA.http.get(`/api/instances/${started.id}`);
      return ((response.body as Body).incidents as { key: string }[])[0];
    });
    const other = s.members.b[2];
    expectError(
      await s.users.secretaryA.http
        .post(`/api/instances/${started.id}/incidents/${incident.key}/resolve`)
        .send({ variables: { memberId: other.id } }),
      400,
      'INVALID_VARIABLES',
    );
    expect(await status(other.id)).toBe('full');
  });
});

describe('the member-status handler', () => {
  it('given an instance of branch A naming a member of branch B (started behind the api), when its job runs, then an incident saying there is no such member in the unit, and the member is unchanged', async () => {
    const other = s.members.b[1];
    const started = await s.runtime.start(
      { templateKey: KEY, orgUnitId: s.api.org.branchA, variables: { memberId: other.id } },
      'test',
    );
    const incident = await waitFor('the incident', async () => {
      const response = await s.users.secretaryA.http.get(`/api/instances/${started.id}`);
      return ((response.body as Body).incidents as { message: string }[])[0];
    });
    expect(incident.message).toContain(
      `no member '${other.id}' in org unit '${s.api.org.branchA}'`,
    );
    expect(await status(other.id)).toBe('full');
    const events = await s.api.dataSource.query<unknown[]>(
      `SELECT 1 FROM audit_events WHERE type = 'org.member.status' AND data ->> 'memberId' = $1`,
      [other.id],
    );
    expect(events).toEqual([]);
  });

  it('given the branch’s own member, when the job runs, then the status is set (the control)', async () => {
    const own = s.members.a[2];
    const started = await s.runtime.start(
      { templateKey: KEY, orgUnitId: s.api.org.branchA, variables: { memberId: own.id } },
      'test',
    );
    await waitFor('the status change', async () => (await status(own.id)) === 'activist');
    const instance = await s.users.secretaryA.http.get(`/api/instances/${started.id}`);
    expect((instance.body as Body).incidents).toEqual([]);
  });
});
