import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { UnitsRepository } from '@app/org';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';

const HEADER = '姓名,性别,出生日期,入党日期,转正日期,人员类别,所在党组织,党员编号,联系电话';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface ImportAnswer {
  created: number;
  updated: number;
  unchanged: number;
  dryRun: boolean;
  errors: { row: number; column: string | null; reason: string }[];
  errorCount: number;
}

/**
 * 花名册 import (issue 14, part 2) through the real api: the whole file checked first, every bad
 * row answered with its row, column and reason and nothing written; a re-import and a double
 * submit change nothing; an admin of another subtree finds no unit; phones never leave masked.
 */
describe('POST /api/org/import', () => {
  let api: ApiHarness;
  let adminA: SuiteUser;
  let adminB: SuiteUser;
  let adminGeneral: SuiteUser;
  let secretaryA: SuiteUser;
  let tag: string;
  const admin = (orgUnitId: string) => [{ role: 'admin' as 'secretary', orgUnitId }];

  beforeAll(async () => {
    api = await startApi({ env: { IMPORT_MAX_BYTES: '100000', IMPORT_MAX_ROWS: '40' } });
    tag = api.tag
      .replace(/[^0-9a-z]/g, '')
      .slice(-8)
      .toUpperCase();
    adminA = await api.user(`impA-${api.tag}`, admin(api.org.branchA));
    adminB = await api.user(`impB-${api.tag}`, admin(api.org.branchB));
    adminGeneral = await api.user(`impG-${api.tag}`, admin(api.org.general));
    secretaryA = await api.user(`impS-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
  });

  afterAll(async () => {
    await api.close();
  });

  const csv = (...rows: string[]) => Buffer.from(`\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`);

  function post(user: SuiteUser, body: Buffer, query = '', type = 'text/csv') {
    return user.http.post(`/api/org/import${query}`).set('Content-Type', type).send(body);
  }

  async function members(unit: string) {
    return api.dataSource.query<{ id: string; name: string; version: number; phone: string }[]>(
      `SELECT id, name, version, phone FROM members WHERE org_unit_id = $1 ORDER BY name`,
      [unit],
    );
  }

  async function systemEvents(type: string) {
    const [{ n }] = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events WHERE stream = 'system' AND type = $1`,
      [type],
    );
    return n;
  }

  it('imports a roster into the admin’s units, audited once with the file’s sha256; a re-import changes nothing', async () => {
    const file = csv(
      `张三,男,1990-05-01,2015/7/1,2016年7月1日,正式党员,第一支部,A${tag}1,13812345678`,
      `李四,女,1995/3/9,,,入党积极分子,党委/党总支/第一支部,,`,
      `"王,五",男,1988-01-02,2020-06-30,,预备党员,第一支部,A${tag}2,`,
    );
    const dry = await post(adminGeneral, file, '?dryRun=true&fileName=roster.csv');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ created: 3, updated: 0, unchanged: 0, dryRun: true });
    expect(await members(api.org.branchA)).toEqual([]);

    const first = await post(adminGeneral, file, '?fileName=roster.csv');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      created: 3,
      updated: 0,
      unchanged: 0,
      dryRun: false,
      errors: [],
      errorCount: 0,
    });
    const stored = await members(api.org.branchA);
    expect(stored.map((member) => member.name)).toEqual(['张三', '李四', '王,五'].sort());
    const [event] = await api.dataSource.query<{ actor: string; data: Record<string, unknown> }[]>(
      `SELECT actor, data FROM audit_events WHERE stream = 'system' AND type = 'org.members.imported'
          AND data->>'fileName' = 'roster.csv' ORDER BY seq DESC LIMIT 1`,
    );
    expect(event.actor).toBe(adminGeneral.userId);
    expect(event.data).toMatchObject({
      created: 3,
      rows: 3,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const trail = await api.dataSource.query<{ data: unknown }[]>(
      `SELECT data FROM audit_events WHERE stream = 'system' AND data::text LIKE '%13812345678%'`,
    );
    expect(trail).toEqual([]);

    const updatesBefore = await systemEvents('org.member.updated');
    const again = await post(adminGeneral, file);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(await members(api.org.branchA)).toEqual(stored);
    expect(await systemEvents('org.member.updated')).toBe(updatesBefore);
  });

  it('a changed row updates the member (version + 1, audited); an empty cell keeps the stored value; a reader still sees the phone masked', async () => {
    const [zhang] = (await members(api.org.branchA)).filter((member) => member.name === '张三');
    const response = await post(
      adminA,
      csv(`张三,男,1990-05-01,2015/7/1,2016年7月1日,正式党员,第一支部,A${tag}1,13900001111`),
    );
    expect(response.body).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    const [after] = (await members(api.org.branchA)).filter((member) => member.name === '张三');
    expect(after).toMatchObject({ version: zhang.version + 1, phone: '13900001111' });
    // matched by name + birth date when the 党员编号 is left empty: unchanged
    const byName = await post(adminA, csv(`张三,男,1990-05-01,,,正式党员,第一支部,,`));
    expect(byName.body).toMatchObject({ unchanged: 1, created: 0, updated: 0 });
    const read = await secretaryA.http.get(`/api/members/${after.id}`);
    expect((read.body as { phone: string }).phone).toBe('139****1111');
    // the lost update: an edit naming the version read before the import is stale
    const stale = await adminA.http
      .patch(`/api/members/${after.id}`)
      .send({ phone: '13700000000', version: zhang.version });
    expectError(stale, 409, 'VERSION_CONFLICT');
  });

  it('refuses a roster with bad rows: every row, column and reason answered, nothing written', async () => {
    const before = await members(api.org.branchA);
    const file = csv(
      `赵六,男,1991-01-01,,,正式党员,第一支部,B${tag}1,`, // row 2: valid
      `,男,1991-01-01,,,正式党员,第一支部,,`, // 3: no name
      `钱七,公,1991-01-01,,,正式党员,第一支部,,`, // 4: gender
      `孙八,男,1991-02-30,,,正式党员,第一支部,,`, // 5: no such day
      `周九,男,2030-01-01,,,正式党员,第一支部,,`, // 6: future
      `吴十,男,1991-01-01,1990-01-01,,正式党员,第一支部,,`, // 7: admitted before birth
      `郑一,男,1991-01-01,,,党员,第一支部,,`, // 8: unknown category
      `冯二,男,1991-01-01,,,正式党员,不存在的支部,,`, // 9: unknown unit
      `陈三,男,1991-01-01,,,正式党员,第一支部,B${tag}1,`, // 10: number twice
      `赵六,男,1991-01-01,,,正式党员,第一支部,,`, // 11: same person twice
      `褚四,男,1991-01-01,,,正式党员,第一支部,,phone?`, // 12: phone
      `卫五,男,1991-01-01,,,正式党员,第二支部,,`, // 13: another subtree's unit
      `蒋六,男,1991-01-01,,,正式党员,第一支部,编号!,`, // 14: party number
      `韩八,男,1991-01-01,,,${'很'.repeat(201)},第一支部,,`, // 15: cell too long
    );
    const response = await post(adminA, file);
    const body = expectError(response, 422, 'IMPORT_INVALID_ROWS');
    const details = body.details as ImportAnswer;
    const where = details.errors.map((error) => [error.row, error.column]);
    expect(where).toEqual([
      [3, '姓名'],
      [4, '性别'],
      [5, '出生日期'],
      [6, '出生日期'],
      [7, '入党日期'],
      [8, '人员类别'],
      [9, '所在党组织'],
      [10, '党员编号'],
      [11, '姓名'],
      [12, '联系电话'],
      [13, '所在党组织'],
      [14, '党员编号'],
      [15, '人员类别'],
    ]);
    expect(details.errorCount).toBe(13);
    expect(details.errors[6].reason).toBe("unknown unit '不存在的支部'");
    // the other subtree's unit reads exactly as a missing one
    expect(details.errors[10].reason).toBe("unknown unit '第二支部'");
    expect(details.errors[7].reason).toContain('row 2');
    expect(await members(api.org.branchA)).toEqual(before);

    // found against the database: a 党员编号 held by a member of another unit (a transfer, not
    // an import); the admin of that other subtree reads the same words, no unit named
    for (const user of [adminGeneral, adminB]) {
      const taken = await post(user, csv(`沈七,男,1991-01-01,,,正式党员,第二支部,A${tag}1,`));
      expect(
        (expectError(taken, 422, 'IMPORT_INVALID_ROWS').details as ImportAnswer).errors,
      ).toEqual([
        {
          row: 2,
          column: '党员编号',
          reason: `'A${tag}1' belongs to a member of another unit: transfer the member (组织关系转接) before importing`,
        },
      ]);
    }
    expect(await members(api.org.branchA)).toEqual(before);
  });

  it('a header without the required columns, an unreadable file, too many rows and too many bytes', async () => {
    const noHeader = await post(adminA, Buffer.from('名字,单位\n张三,第一支部\n'));
    const details = expectError(noHeader, 422, 'IMPORT_INVALID_ROWS').details as ImportAnswer;
    expect(details.errors.map((error) => error.column)).toEqual(['姓名', '人员类别', '所在党组织']);
    expect(details.errors.every((error) => error.row === 1)).toBe(true);

    const binary = await post(adminA, Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x30, 0xff]));
    expectError(binary, 400, 'IMPORT_FILE_ENCODING');
    const notZip = await post(
      adminA,
      Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]),
      '',
      XLSX,
    );
    expectError(notZip, 400, 'IMPORT_FILE_UNREADABLE');
    const rows = Array.from({ length: 41 }, (_, i) => `人${i},男,1990-01-01,,,正式党员,第一支部,,`);
    expectError(await post(adminA, csv(...rows)), 413, 'IMPORT_TOO_MANY_ROWS');
    expectError(await post(adminA, Buffer.alloc(100_001, 0x41)), 413, 'IMPORT_FILE_TOO_LARGE');
    expectError(
      await adminA.http.post('/api/org/import').send({ rows: [] }),
      415,
      'IMPORT_FILE_UNREADABLE',
    );
  });

  it('reads a GBK CSV as Excel in China saves it', async () => {
    const text = `${HEADER}\r\n周一,女,1992-02-02,,,发展对象,第一支部,,\r\n`;
    const gbk = gbkBytes(text);
    const response = await post(adminA, gbk, '?dryRun=true');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ created: 1 });
  });

  it('imports an xlsx with date cells (the first sheet only)', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('花名册');
    sheet.addRow(HEADER.split(','));
    sheet.addRow([
      '吴芳',
      '女',
      new Date(Date.UTC(1993, 3, 4)),
      new Date(Date.UTC(2019, 6, 1)),
      null,
      '预备党员',
      '第一支部',
      `X${tag}1`,
      13612345678,
    ]);
    workbook.addWorksheet('其他').addRow(['not read']);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const response = await post(adminA, bytes, '?fileName=roster.xlsx', XLSX);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ created: 1 });
    const [row] = await api.dataSource.query<
      { birth_date: string; admission_date: string; phone: string }[]
    >(`SELECT birth_date::text, admission_date::text, phone FROM members WHERE party_number = $1`, [
      `X${tag}1`,
    ]);
    expect(row).toEqual({
      birth_date: '1993-04-04',
      admission_date: '2019-07-01',
      phone: '13612345678',
    });
  });

  it('scope: an admin of another subtree is answered as if the unit were absent; a secretary gets 403', async () => {
    const file = csv(`冯二,男,1991-01-01,,,正式党员,第一支部,,`);
    const other = await post(adminB, file, `?orgUnitId=${api.org.branchA}`);
    const missing = await post(adminB, file, `?orgUnitId=zz-no-such-unit`);
    const a = expectError(other, 400);
    const b = expectError(missing, 400);
    expect(JSON.stringify(a).replace(api.org.branchA, 'X')).toBe(
      JSON.stringify(b).replace('zz-no-such-unit', 'X'),
    );
    expectError(await post(secretaryA, file, `?orgUnitId=${api.org.branchA}`), 403);
    expectError(await post(secretaryA, file), 403);
    const own = await post(adminB, file);
    expect((expectError(own, 422).details as ImportAnswer).errors).toEqual([
      { row: 2, column: '所在党组织', reason: "unknown unit '第一支部'" },
    ]);
  });

  it('cli import: one line per bad row and exit 2; --org scopes the unit names; --dry-run writes nothing; a rerun is unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roster-'));
    try {
      const bad = join(dir, 'bad.csv');
      await writeFile(
        bad,
        csv(`甲,男,1990-01-01,,,正式党员,第一支部,,`, `乙,x,,,,正式党员,第一支部,,`),
      );
      const refused = await cli('import', bad, '--org', api.org.general);
      expect(refused.code).toBe(2);
      expect(refused.stderr.split('\n').filter(Boolean)).toEqual([
        `row 3, 性别: 'x' is neither 男 nor 女`,
        '1 problem(s): nothing was written',
      ]);
      const good = join(dir, 'good.csv');
      await writeFile(good, csv(`命令甲,男,1990-01-01,,,正式党员,党总支/第二支部,C${tag}1,`));
      // a second 第二支部, right under the committee: the bare name is ambiguous
      await new UnitsRepository(api.dataSource, api.clock).create(
        {
          id: `b2-${api.org.committee}`.slice(0, 60),
          parentId: api.org.committee,
          kind: 'branch',
          name: '第二支部',
        },
        'test',
      );
      const bare = join(dir, 'bare.csv');
      await writeFile(bare, csv(`命令甲,男,1990-01-01,,,正式党员,第二支部,,`));
      const ambiguous = await cli('import', bare, '--org', api.org.committee, '--dry-run');
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toContain(
        "row 2, 所在党组织: '第二支部' names 2 units: 党委/党总支/第二支部; 党委/第二支部; write the path",
      );
      const dry = await cli('import', good, '--org', api.org.general, '--dry-run');
      expect([dry.code, dry.stdout.trim()]).toEqual([
        0,
        JSON.stringify({ created: 1, updated: 0, unchanged: 0, dryRun: true }),
      ]);
      const done = await cli('import', good, '--org', api.org.general);
      expect(JSON.parse(done.stdout)).toMatchObject({ created: 1 });
      const again = await cli('import', good, '--org', api.org.general);
      expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, unchanged: 1 });
      const [event] = await api.dataSource.query<{ actor: string }[]>(
        `SELECT actor FROM audit_events WHERE stream = 'system' AND type = 'org.members.imported'
              AND data->>'fileName' = 'good.csv'`,
      );
      expect(event.actor).toBe('operator');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a double submit has one effect: two concurrent imports of one file create each member once', async () => {
    const file = csv(
      ...Array.from(
        { length: 30 },
        (_, i) => `双${i},男,1990-01-${String(i + 1).padStart(2, '0')},,,正式党员,第二支部,,`,
      ),
    );
    const [one, two] = await Promise.all([post(adminB, file), post(adminB, file)]);
    const answers = [one.body, two.body] as ImportAnswer[];
    expect(answers.map((answer) => [answer.created, answer.unchanged]).sort()).toEqual([
      [0, 30],
      [30, 0],
    ]);
    const [{ n }] = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM members WHERE org_unit_id = $1 AND name LIKE '双%'`,
      [api.org.branchB],
    );
    expect(n).toBe(30);
  });
});

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

/** The GBK bytes of `text` (Node decodes GBK but does not encode it): by a reverse table. */
function gbkBytes(text: string): Buffer {
  const decoder = new TextDecoder('gbk');
  const table = new Map<string, number[]>();
  const needed = new Set([...text].filter((char) => char.charCodeAt(0) > 0x7f));
  for (let lead = 0x81; lead <= 0xfe && table.size < needed.size; lead += 1) {
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      const char = decoder.decode(Uint8Array.of(lead, trail));
      if (needed.has(char) && !table.has(char)) table.set(char, [lead, trail]);
    }
  }
  return Buffer.from([...text].flatMap((char) => table.get(char) ?? [char.charCodeAt(0)]));
}
