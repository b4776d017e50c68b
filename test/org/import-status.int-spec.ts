/**
 * Gaps of issue 14's walk-through: a roster re-import never changes a member's status silently
 * (refused row by row without a reason; with one, applied and audited as a manual change), and
 * the member lookup filters by status (validated). Through the real api, and the cli's import.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';

const HEADER = '姓名,性别,出生日期,入党日期,转正日期,人员类别,所在党组织,党员编号,联系电话';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('roster re-import and member statuses', () => {
  let api: ApiHarness;
  let admin: SuiteUser;
  let tag: string;
  let dir: string;

  beforeAll(async () => {
    api = await startApi();
    tag = api.tag
      .replace(/[^0-9a-z]/g, '')
      .slice(-8)
      .toUpperCase();
    admin = await api.user(`stA-${api.tag}`, [
      { role: 'admin' as 'secretary', orgUnitId: api.org.branchA },
    ]);
    dir = await mkdtemp(join(tmpdir(), 'bf-import-status-'));
  });

  afterAll(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const csv = (...rows: string[]) => Buffer.from(`\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`);
  const roster = (liStatus: string) =>
    csv(
      `赵一,男,1980-01-01,2005/7/1,2006/7/1,正式党员,第一支部,S${tag}1,`,
      `钱二,女,1990-02-02,,,${liStatus},第一支部,S${tag}2,`,
      `孙三,男,1991-03-03,2024/7/1,,预备党员,第一支部,S${tag}3,`,
    );
  const post = (body: Buffer, query = '') =>
    admin.http.post(`/api/org/import${query}`).set('Content-Type', 'text/csv').send(body);
  const statusOf = async (number: string) =>
    (
      await api.dataSource.query<{ status: string; version: number }[]>(
        `SELECT status, version FROM members WHERE party_number = $1`,
        [number],
      )
    )[0];
  const statusEvents = (memberId: string) =>
    api.dataSource.query<{ actor: string; data: Record<string, unknown> }[]>(
      `SELECT actor, data FROM audit_events
        WHERE stream = 'system' AND type = 'org.member.status' AND data->>'memberId' = $1`,
      [memberId],
    );

  it('refuses a re-import that changes 人员类别 without a reason (row, column, why), writing nothing; applies and audits it with one', async () => {
    const first = await post(roster('入党积极分子'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: 3, updated: 0 });
    const before = await statusOf(`S${tag}2`);
    expect(before.status).toBe('activist');

    // 钱二 became a 发展对象 on paper, and 赵一's phone was added: the whole file is refused
    const changed = csv(
      `赵一,男,1980-01-01,2005/7/1,2006/7/1,正式党员,第一支部,S${tag}1,13800001111`,
      `钱二,女,1990-02-02,,,发展对象,第一支部,S${tag}2,`,
      `孙三,男,1991-03-03,2024/7/1,,预备党员,第一支部,S${tag}3,`,
    );
    for (const query of ['', '?dryRun=true']) {
      const refused = await post(changed, query);
      const { details } = expectError(refused, 422, 'IMPORT_INVALID_ROWS') as {
        details: { errors: { reason: string }[] };
      };
      expect(details.errors).toEqual([
        {
          row: 3,
          column: '人员类别',
          reason: expect.stringContaining('状态变更须由管理员填写原因') as unknown as string,
        },
      ]);
      expect(details.errors[0].reason).toContain('入党积极分子');
      expect(details.errors[0].reason).toContain('发展对象');
    }
    expect(await statusOf(`S${tag}2`)).toEqual(before);
    expect(await statusOf(`S${tag}1`)).toMatchObject({ version: 1 });

    // a blank reason is bad input, not a reason
    expect(expectError(await post(changed, '?reason=%20'), 400).message).toMatch(/reason/);

    const applied = await post(changed, `?reason=${encodeURIComponent('支委会2026年2月会议确定')}`);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ created: 0, updated: 2, unchanged: 1 });
    expect(await statusOf(`S${tag}2`)).toEqual({ status: 'candidate', version: 2 });
    const [{ id }] = await api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM members WHERE party_number = $1`,
      [`S${tag}2`],
    );
    expect(await statusEvents(id)).toEqual([
      {
        actor: admin.userId,
        data: {
          memberId: id,
          from: 'activist',
          to: 'candidate',
          reason: '支委会2026年2月会议确定',
          manual: true,
          imported: true,
        },
      },
    ]);
    // the same roster again: nothing changes, no reason needed
    const again = await post(changed);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it('cli import: the same refusal as one line per row (exit 2), applied with --reason', async () => {
    const file = join(dir, 'roster.csv');
    await writeFile(
      file,
      csv(
        `赵一,男,1980-01-01,2005/7/1,2006/7/1,正式党员,第一支部,S${tag}1,13800001111`,
        `钱二,女,1990-02-02,,,发展对象,第一支部,S${tag}2,`,
        `孙三,男,1991-03-03,2024/7/1,2025/7/1,正式党员,第一支部,S${tag}3,`,
      ),
    );
    const refused = await cli('import', file, '--org', api.org.branchA);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^row 4, 人员类别: 状态变更须由管理员填写原因：孙三现为预备党员/m,
    );
    expect(await statusOf(`S${tag}3`)).toMatchObject({ status: 'probationary' });
    const applied = await cli('import', file, '--org', api.org.branchA, '--reason', '按期转正');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ updated: 1, unchanged: 2 });
    expect(await statusOf(`S${tag}3`)).toMatchObject({ status: 'full' });
  }, 120_000);

  it('cli: member list --status, and the refusals of the bootstrap verbs (one line, exit 2)', async () => {
    const [listed, unknown, rootBranch, passwordAlone] = await Promise.all([
      cli('member', 'list', '--org', api.org.branchA, '--status', 'candidate,probationary'),
      cli('member', 'list', '--status', 'full,member'),
      cli('org', 'add', '--id', `rb-${tag.toLowerCase()}`, '--name', '支部', '--kind', 'branch'),
      cli(
        'user',
        'create',
        '--name',
        'x',
        '--password',
        'Long-enough-1',
        '--role',
        'member',
        '--org',
        api.org.branchA,
      ),
    ]);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split('  ').at(-1)).sort()).toEqual(['钱二']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^unknown status 'member'/),
    });
    expect(rootBranch).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('only a committee may be a root'),
    });
    expect(passwordAlone).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^--password needs --login/),
    });
  }, 120_000);

  it('GET /api/members filters by status (repeated or comma-separated); an unknown status is 400', async () => {
    const names = async (query: string) => {
      const response = await admin.http.get(
        `/api/members?orgUnitId=${api.org.branchA}&pageSize=100${query}`,
      );
      expect(response.status).toBe(200);
      return (response.body as { items: { name: string; status: string }[] }).items
        .filter((member) => ['赵一', '钱二', '孙三'].includes(member.name))
        .map((member) => `${member.name}:${member.status}`)
        .sort();
    };
    expect(await names('&status=candidate')).toEqual(['钱二:candidate']);
    expect(await names('&status=full,candidate')).toEqual([
      '孙三:full',
      '赵一:full',
      '钱二:candidate',
    ]);
    expect(await names('&status=full&status=candidate')).toEqual(await names(''));
    expect(await names('&status=probationary')).toEqual([]);
    const refused = await admin.http.get(
      `/api/members?orgUnitId=${api.org.branchA}&status=full,member`,
    );
    expect(expectError(refused, 400, 'VALIDATION_FAILED').message).toMatch(/status/);
    expect(expectError(await admin.http.get(`/api/members?status=`), 400).message).toMatch(
      /status/,
    );
  });
});
