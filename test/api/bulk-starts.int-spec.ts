/**
 * POST /api/instances/bulk (issue 16, part 2): a directive to every branch of a subtree, planned
 * by the api in one transaction and started by the real worker in batches (`bulk-starts`
 * queue); GET /api/instances/bulk/:id follows it. Against the real api and worker, PostgreSQL
 * and Redis (the security suite's stack: committee > general > branches A and B).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectError } from './api-harness.js';
import {
  type Stack,
  chainXml,
  startStack,
  userTaskXml,
  waitFor,
} from '../security/support/stack.js';

let s: Stack;
const KEY = 'bulk-directive';

beforeAll(async () => {
  s = await startStack('bulk');
  await s.deploy(chainXml(KEY, [userTaskXml('Study')]));
}, 120_000);

afterAll(async () => {
  await s?.close();
});

type Body = Record<string, unknown>;

/** The instances of the template with `businessKey`, per unit. */
const instancesByUnit = async (businessKey: string) =>
  s.api.dataSource.query<{ org_unit_id: string; n: number }[]>(
    `SELECT org_unit_id, count(*)::int AS n FROM process_instances
      WHERE template_key = $1 AND business_key = $2 GROUP BY org_unit_id ORDER BY org_unit_id`,
    [KEY, businessKey],
  );

describe('a directive to every branch of a subtree', () => {
  it('starts one instance per branch in the background, shows the progress, and starts none twice when sent again', async () => {
    const supervisor = s.users.supervisor.http;
    const businessKey = `directive:${randomUUID()}`;
    const sent = await supervisor.post('/api/instances/bulk').send({
      templateKey: KEY,
      orgUnitId: s.api.org.general,
      businessKey,
      variables: { topic: '学习党章' },
    });
    expect(sent.status).toBe(202);
    const plan = sent.body as Body;
    expect(plan).toMatchObject({
      kind: 'directive',
      templateKey: KEY,
      orgUnitId: s.api.org.general,
      orgUnitName: expect.any(String),
      total: 2,
      batches: 1,
    });

    const done = await waitFor('the bulk to finish', async () => {
      const progress = (await supervisor.get(`/api/instances/bulk/${plan.id as string}`))
        .body as Body;
      return progress.finishedAt ? progress : undefined;
    });
    expect(done).toMatchObject({ total: 2, started: 2, existing: 0, failed: 0, left: 0 });
    expect(done.batchesDone).toBe(1);
    expect(await instancesByUnit(businessKey)).toEqual(
      [s.api.org.branchA, s.api.org.branchB].sort().map((id) => ({ org_unit_id: id, n: 1 })),
    );
    // Each branch's secretary has the step, with the directive's variables
    const [step] = (
      (await s.users.secretaryA.http.get(`/api/tasks?templateKey=${KEY}`)).body as {
        items: { instanceId: string; orgUnitId: string }[];
      }
    ).items;
    expect(step.orgUnitId).toBe(s.api.org.branchA);
    const instance = (await s.users.secretaryA.http.get(`/api/instances/${step.instanceId}`))
      .body as Body;
    expect(instance).toMatchObject({ businessKey, variables: { topic: '学习党章' } });

    // The same directive again: every branch has it, nothing is started twice
    const again = await supervisor.post('/api/instances/bulk').send({
      templateKey: KEY,
      orgUnitId: s.api.org.general,
      businessKey,
    });
    expect(again.status).toBe(202);
    const second = await waitFor('the second bulk to finish', async () => {
      const progress = (
        await supervisor.get(`/api/instances/bulk/${(again.body as Body).id as string}`)
      ).body as Body;
      return progress.finishedAt ? progress : undefined;
    });
    expect(second).toMatchObject({ total: 2, started: 0, existing: 2, failed: 0, left: 0 });
    expect((await instancesByUnit(businessKey)).map((row) => row.n)).toEqual([1, 1]);

    // A directive to one branch goes to that branch only
    const one = await supervisor.post('/api/instances/bulk').send({
      templateKey: KEY,
      orgUnitId: s.api.org.branchB,
      businessKey: `${businessKey}-b`,
    });
    expect((one.body as Body).total).toBe(1);

    // Outside the bulk's unit it is absent: what an unknown id gets
    const ghost = randomUUID();
    const missing = expectError(
      await s.users.secretaryB.http.get(`/api/instances/bulk/${ghost}`),
      404,
      'BULK_START_NOT_FOUND',
    );
    const hidden = expectError(
      await s.users.secretaryB.http.get(`/api/instances/bulk/${plan.id as string}`),
      404,
      'BULK_START_NOT_FOUND',
    );
    expect(JSON.stringify(hidden).replaceAll(plan.id as string, '<id>')).toBe(
      JSON.stringify(missing).replaceAll(ghost, '<id>'),
    );
  });

  it('is refused to a secretary (403), outside the scope as for an unknown unit (400), and for a reserved key, member variables or an unknown template', async () => {
    const supervisor = s.users.supervisor.http;
    const body = { templateKey: KEY, businessKey: 'directive:refused' };
    // a secretary reads her branch, but may not send directives
    const secretary = expectError(
      await s.users.secretaryA.http
        .post('/api/instances/bulk')
        .send({ ...body, orgUnitId: s.api.org.branchA }),
      403,
    );
    expect(secretary.message).toMatch(/督导/);
    // the committee is above the supervisor's general branch: absent, as an unknown unit
    const outside = expectError(
      await supervisor
        .post('/api/instances/bulk')
        .send({ ...body, orgUnitId: s.api.org.committee }),
      400,
    );
    const unknown = expectError(
      await supervisor.post('/api/instances/bulk').send({ ...body, orgUnitId: 'no-such-unit' }),
      400,
    );
    expect(outside.details).toEqual(unknown.details);
    expect(outside.message).toBe(unknown.message);

    const refused = async (changes: Body, status: number, field?: string) => {
      const error = expectError(
        await supervisor
          .post('/api/instances/bulk')
          .send({ ...body, orgUnitId: s.api.org.general, ...changes }),
        status,
      );
      if (field) {
        expect((error.details as { field: string }[]).map((d) => d.field)).toContain(field);
      }
      return error;
    };
    await refused({ businessKey: 'theme-day:x:2027-01' }, 400, 'businessKey');
    await refused({ variables: { memberId: s.members.a[0].id } }, 400, 'variables.memberId');
    await refused({ variables: { attendance: [] } }, 400, 'variables.attendance');
    await refused({ businessKey: undefined }, 400, 'businessKey');
    expect((await refused({ templateKey: 'no-such-template' }, 404)).code).toBe(
      'TEMPLATE_NOT_FOUND',
    );
    // nothing was planned by any refusal
    const [{ n }] = await s.api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM bulk_starts WHERE template_key = $1 AND kind = 'directive'
          AND id IN (SELECT bulk_id FROM bulk_start_batches WHERE inputs::text LIKE '%directive:refused%')`,
      [KEY],
    );
    expect(n).toBe(0);
  });
});
