/**
 * The operator's administration verbs (issue 14, part 1): `org add|rename|move|close` and
 * `member add|list|transfer`, spawned as operators run them, on the run's database under a
 * committee of this suite's own. Bad input is one line on stderr and exit 2.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import { systemClock } from '@app/store';
import type { DataSource } from 'typeorm';
import { testDataSource } from '../support/database.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Each test spawns the cli several times (seconds each on a busy machine). */
const SPAWNS = 300_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Promise<Run> {
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

describe('cli: administering the organisation', () => {
  let dataSource: DataSource;
  const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const committee = `cc-${tag}`;
  const general = `cg-${tag}`;
  const branch = `cb-${tag}`;
  const other = `co-${tag}`;

  async function events(type: string) {
    return dataSource.query<{ actor: string; data: Record<string, unknown> }[]>(
      `SELECT actor, data FROM audit_events WHERE stream = 'system' AND type = $1
          AND data::text LIKE $2 ORDER BY seq`,
      [type, `%${tag}%`],
    );
  }

  beforeAll(async () => {
    dataSource = await testDataSource(2);
    await new OrgDirectory(dataSource, systemClock).createUnit({
      id: committee,
      parentId: null,
      kind: 'committee',
      name: '党委',
    });
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it(
    'org add / rename / move / close, each audited as the operator; a subtree move rewrites the paths',
    async () => {
      expect(
        await cli(
          'org',
          'add',
          '--id',
          general,
          '--name',
          '党总支',
          '--kind',
          'general_branch',
          '--parent',
          committee,
        ),
      ).toMatchObject({ code: 0, stdout: expect.stringContaining(`/${committee}/${general}/`) });
      for (const id of [branch, other]) {
        expect(
          (
            await cli(
              'org',
              'add',
              '--id',
              id,
              '--name',
              '支部',
              '--kind',
              'branch',
              '--parent',
              general,
            )
          ).code,
        ).toBe(0);
      }
      expect((await cli('org', 'rename', other, '--name', '第二支部')).code).toBe(0);
      expect((await cli('org', 'move', branch, '--to', committee)).code).toBe(0);
      const [moved] = await dataSource.query<{ path: string; version: number }[]>(
        `SELECT path, version FROM org_units WHERE id = $1`,
        [branch],
      );
      expect(moved).toEqual({ path: `/${committee}/${branch}/`, version: 2 });
      expect((await cli('org', 'close', other)).code).toBe(0);
      const actors = [
        ...(await events('org.unit.created')),
        ...(await events('org.unit.renamed')),
        ...(await events('org.unit.moved')),
        ...(await events('org.unit.closed')),
      ].map((event) => event.actor);
      // the committee made by the suite, three units, a rename, a move, a close
      expect(actors).toEqual(Array(7).fill('operator'));
    },
    SPAWNS,
  );

  it(
    'bad input is one line and exit 2: unknown kind, a move under its own subtree, closing a unit with members, an unknown option',
    async () => {
      const kind = await cli(
        'org',
        'add',
        '--id',
        `x-${tag}`,
        '--name',
        'x',
        '--kind',
        'cell',
        '--parent',
        committee,
      );
      expect(kind).toMatchObject({ code: 2, stdout: '' });
      expect(kind.stderr).toMatch(
        /^unknown kind 'cell' \(kinds: committee, general_branch, branch, group\)\n$/,
      );
      const own = await cli('org', 'move', general, '--to', general);
      expect(own.code).toBe(2);
      expect(own.stderr).toContain('its own subtree');
      expect(own.stderr.trim().split('\n')).toHaveLength(1);
      const unknown = await cli('org', 'move', `nope-${tag}`, '--to', committee);
      expect(unknown).toMatchObject({ code: 2 });
      expect(unknown.stderr).toContain(`unknown org unit 'nope-${tag}'`);
      const option = await cli('member', 'list', '--bogus');
      expect(option.code).toBe(2);
      expect(option.stderr).toContain("Unknown option '--bogus'");
    },
    SPAWNS,
  );

  it(
    'member add / list (phone masked) / transfer (audited with both units); a bad date is exit 2',
    async () => {
      const added = await cli(
        'member',
        'add',
        '--org',
        branch,
        '--name',
        `张三${tag}`,
        '--gender',
        'male',
        '--birth',
        '1990-01-02',
        '--admitted',
        '2015-07-01',
        '--full',
        '2016-07-01',
        '--number',
        `N${tag}`,
        '--phone',
        '13812345678',
      );
      expect(added.code).toBe(0);
      const memberId = added.stdout.trim();
      expect(memberId).toMatch(/^[0-9a-f-]{36}$/);
      const list = await cli('member', 'list', '--q', `N${tag}`);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(memberId);
      expect(list.stdout).toContain('138****5678');
      expect(list.stdout).not.toContain('13812345678');

      const bad = await cli(
        'member',
        'add',
        '--org',
        branch,
        '--name',
        '李四',
        '--birth',
        '1990-13-01',
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^birthDate '1990-13-01' is not a date/);

      const closing = await cli('org', 'close', branch);
      expect(closing.code).toBe(2);
      expect(closing.stderr).toContain('1 member(s) not cancelled');

      const moved = await cli(
        'member',
        'transfer',
        memberId,
        '--to',
        general,
        '--reason',
        '工作调动',
      );
      expect(moved.code).toBe(0);
      const [row] = await dataSource.query<{ org_unit_id: string }[]>(
        `SELECT org_unit_id FROM members WHERE id = $1`,
        [memberId],
      );
      expect(row.org_unit_id).toBe(general);
      expect(await events('org.member.transferred')).toEqual([
        {
          actor: 'operator',
          data: expect.objectContaining({
            memberId,
            fromOrgUnitId: branch,
            toOrgUnitId: general,
            reason: '工作调动',
          }),
        },
      ]);
      const noReason = await cli('member', 'transfer', memberId, '--to', branch);
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toContain('missing --reason');
    },
    SPAWNS,
  );
});
