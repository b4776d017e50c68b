/**
 * Issue 13, finding 2: a branch blocked another branch's theme day by taking its business key.
 * Business keys are unique per template within an org unit; the kick-off's keys
 * (`theme-day:…`, `political-birthday:…`) cannot be taken by hand; a duplicate tells nothing
 * about another unit's instances; the kick-off stays idempotent.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseDateTime } from '@app/time';
import { MonthlyKickoff } from '../../apps/worker/src/index.js';
import { expectError } from '../api/api-harness.js';
import { type Stack, chainXml, startStack, userTaskXml } from './support/stack.js';

let s: Stack;
const SIMPLE = 'sec-keyed';

beforeAll(async () => {
  s = await startStack('keys');
  await s.deploy(
    await readFile(new URL('../../process-templates/theme-day.bpmn', import.meta.url), 'utf8'),
  );
  await s.deploy(chainXml(SIMPLE, [userTaskXml('Work')]));
}, 120_000);

afterAll(async () => {
  await s?.close();
});

const themeDays = (businessKey: string) =>
  s.api.dataSource.query<{ org_unit_id: string; started_by: string }[]>(
    `SELECT org_unit_id, started_by FROM process_instances
      WHERE template_key = 'theme-day' AND business_key = $1 ORDER BY org_unit_id`,
    [businessKey],
  );

describe('the kick-off’s keys', () => {
  it('given branch B’s secretary, when starting theme-day with branch A’s key of the month, then 400 naming businessKey, and the kick-off opens branch A’s theme day', async () => {
    s.api.clock.set(parseDateTime('2026-03-02T09:00:00', 'Asia/Shanghai'));
    const key = `theme-day:${s.api.org.branchA}:2026-03`;
    for (const [user, orgUnitId] of [
      [s.users.secretaryB, s.api.org.branchB],
      [s.users.secretaryA, s.api.org.branchA],
      [s.users.supervisor, s.api.org.branchA],
    ] as const) {
      const refused = expectError(
        await user.http
          .post('/api/instances')
          .send({ templateKey: 'theme-day', businessKey: key, orgUnitId }),
        400,
      );
      expect(refused.details).toEqual([expect.objectContaining({ field: 'businessKey' })]);
    }
    expectError(
      await s.users.secretaryB.http.post('/api/instances').send({
        templateKey: SIMPLE,
        businessKey: `political-birthday:${s.members.a[0].id}:2026`,
        orgUnitId: s.api.org.branchB,
      }),
      400,
    );
    expect(await themeDays(key)).toEqual([]);

    const report = await s.worker.get(MonthlyKickoff).run();
    expect(report.themeDays).toEqual({ started: 2, existing: 0, skipped: false });
    expect(await themeDays(key)).toEqual([
      { org_unit_id: s.api.org.branchA, started_by: 'system:scheduler' },
    ]);
  });

  it('given an instance of branch B holding branch A’s key of next month (made before the fix), when the kick-off runs twice, then branch A still gets its theme day, once', async () => {
    const key = `theme-day:${s.api.org.branchA}:2026-04`;
    await s.runtime.start(
      { templateKey: 'theme-day', businessKey: key, orgUnitId: s.api.org.branchB, variables: {} },
      'before-the-fix',
    );
    s.api.clock.set(parseDateTime('2026-04-01T00:00:00', 'Asia/Shanghai'));
    const kickoff = s.worker.get(MonthlyKickoff);
    expect((await kickoff.run()).themeDays).toEqual({ started: 2, existing: 0, skipped: false });
    expect((await kickoff.run()).themeDays).toEqual({ started: 0, existing: 2, skipped: false });
    expect(await themeDays(key)).toEqual(
      [
        { org_unit_id: s.api.org.branchA, started_by: 'system:scheduler' },
        { org_unit_id: s.api.org.branchB, started_by: 'before-the-fix' },
      ].sort((x, y) => x.org_unit_id.localeCompare(y.org_unit_id)),
    );
  });
});

describe('business keys within a unit', () => {
  it('given a key used in branch A, then branch B may use it too (no duplicate, nothing learnt), and a second use in branch A is 409 naming branch A only', async () => {
    const start = (user: Stack['users']['secretaryA'], orgUnitId: string) =>
      user.http
        .post('/api/instances')
        .send({ templateKey: SIMPLE, businessKey: 'project-2026', orgUnitId });
    const first = await start(s.users.secretaryA, s.api.org.branchA);
    expect(first.status).toBe(201);
    expect((await start(s.users.secretaryB, s.api.org.branchB)).status).toBe(201);

    const again = expectError(
      await start(s.users.secretaryA, s.api.org.branchA),
      409,
      'DUPLICATE_BUSINESS_KEY',
    );
    expect(again.message).toContain(`党组织 ${s.api.org.branchA}`);
    expect(JSON.stringify(again)).not.toContain(s.api.org.branchB);
    const againB = expectError(
      await start(s.users.secretaryB, s.api.org.branchB),
      409,
      'DUPLICATE_BUSINESS_KEY',
    );
    expect(JSON.stringify(againB)).not.toContain(s.api.org.branchA);
    expect(JSON.stringify(againB)).not.toContain((first.body as { id: string }).id);
  });
});
