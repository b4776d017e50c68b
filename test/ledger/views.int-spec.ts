import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import type { Response } from 'supertest';
import {
  type LedgerHarness,
  type LedgerUser,
  itemOf,
  listOf,
  startLedger,
} from './support/harness.js';

const at = (text: string) => Date.parse(text);

/** RFC 4180, as Excel writes and reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

const binary = (response: Response) => response.body as Buffer;

/**
 * The supervisor views over a known data set: search and filters, traffic lights, the overdue
 * board, month and quarter roll-ups with exact numbers, xlsx and CSV exports read back, and
 * every endpoint's answer to a token from the wrong branch (as for unknown ids: 404 / 400) and of no token (401).
 */
describe('ledger: views, roll-ups, exports and access', () => {
  let h: LedgerHarness;
  let supervisorCommittee: LedgerUser;
  let supervisorGeneral: LedgerUser;
  let supervisorOther: LedgerUser;
  let secretaryA: LedgerUser;
  let secretaryB: LedgerUser;
  const ids: Record<string, string> = {};
  let attachmentB = '';

  beforeAll(async () => {
    h = await startLedger('views');
    supervisorCommittee = await h.user('周组织部', [
      { role: 'supervisor', orgUnitId: h.org.committee },
    ]);
    supervisorGeneral = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    supervisorOther = await h.user('赵子公司', [
      { role: 'supervisor', orgUnitId: h.org.otherCommittee },
    ]);
    secretaryA = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    secretaryB = await h.user('李书记', [{ role: 'secretary', orgUnitId: h.org.branchB }]);

    const open = async (
      name: string,
      when: string,
      item: { list: string; title: string; unit: string; due: string },
    ) => {
      h.clock.set(at(when));
      const response = await supervisorGeneral.http.post('/api/ledger/items').send({
        list: item.list,
        title: item.title,
        standard: `${item.title}：按时完成并上传佐证材料`,
        orgUnitId: item.unit,
        responsible: item.unit === h.org.branchA ? '张书记' : '李书记',
        assessingUnitId: h.org.general,
        dueAt: item.due,
      });
      expect(response.status).toBe(201);
      ids[name] = itemOf(response).id;
    };
    const act = async (
      user: LedgerUser,
      when: string,
      name: string,
      step: string,
      body: object = {},
    ) => {
      h.clock.set(at(when));
      const response = await user.http.post(`/api/ledger/items/${ids[name]}/${step}`).send(body);
      expect({ step, name, status: response.status }).toEqual({ step, name, status: 200 });
    };
    const A = h.org.branchA;
    const B = h.org.branchB;
    // January
    await open('I1', '2026-01-05T09:00:00+08:00', {
      list: 'problem',
      title: '党员学习记录不全',
      unit: A,
      due: '2026-01-20T18:00:00+08:00',
    });
    await open('I2', '2026-01-10T09:00:00+08:00', {
      list: 'task',
      title: '支委会会议纪要归档',
      unit: A,
      due: '2026-01-31T18:00:00+08:00',
    });
    await open('I3', '2026-01-15T09:00:00+08:00', {
      list: 'responsibility',
      title: '"三会一课"台账, 补齐',
      unit: B,
      due: '2026-02-15T18:00:00+08:00',
    });
    await act(secretaryA, '2026-01-18T10:00:00+08:00', 'I1', 'submit', { note: '已补齐' });
    await act(supervisorGeneral, '2026-01-25T10:00:00+08:00', 'I1', 'verify');
    // February
    await act(secretaryA, '2026-02-05T10:00:00+08:00', 'I2', 'submit', { note: '纪要已归档' });
    await act(supervisorGeneral, '2026-02-06T10:00:00+08:00', 'I2', 'verify');
    await open('I4', '2026-02-10T09:00:00+08:00', {
      list: 'problem',
      title: '组织生活会整改',
      unit: B,
      due: '2026-03-10T18:00:00+08:00',
    });
    // March
    await act(secretaryB, '2026-03-01T10:00:00+08:00', 'I4', 'submit', { note: '整改完成' });
    await act(supervisorGeneral, '2026-03-02T10:00:00+08:00', 'I4', 'verify');
    await open('I5', '2026-03-05T09:00:00+08:00', {
      list: 'task',
      title: '=1+1 书记项目季度计划',
      unit: A,
      due: '2026-04-30T18:00:00+08:00',
    });
    await act(supervisorGeneral, '2026-03-20T10:00:00+08:00', 'I4', 'reopen', {
      reason: '回头看：整改不彻底',
    });
    await open('I6', '2026-03-20T11:00:00+08:00', {
      list: 'responsibility',
      title: '主题党日学习材料',
      unit: A,
      due: '2026-03-27T18:00:00+08:00',
    });
    // An attachment on a branch B item (for the download refusals)
    h.clock.set(at('2026-03-21T09:00:00+08:00'));
    const upload = await secretaryB.http
      .post(`/api/ledger/items/${ids.I3}/attachments`)
      .query({ fileName: 'a.txt' })
      .set('Content-Type', 'text/plain')
      .send(Buffer.from('台账'));
    expect(upload.status).toBe(201);
    attachmentB = (upload.body as { id: string }).id;
    h.clock.set(at('2026-03-25T09:00:00+08:00'));
  });

  afterAll(async () => {
    await h?.close();
  });

  const names = (response: Response) => {
    expect(response.status).toBe(200);
    const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return listOf(response).items.map((item) => byId.get(item.id));
  };

  it('searches and filters: lights, state, list, unit, text, due range, paging, scope', async () => {
    const get = (query: Record<string, string | number | boolean>) =>
      supervisorGeneral.http.get('/api/ledger/items').query(query);
    expect(names(await get({}))).toEqual(['I1', 'I2', 'I3', 'I4', 'I6', 'I5']);
    const lights = listOf(await get({})).items.map((item) => item.light);
    expect(lights).toEqual([null, null, 'red', 'red', 'yellow', 'green']);
    expect(names(await get({ light: 'red' }))).toEqual(['I3', 'I4']);
    expect(names(await get({ light: 'yellow' }))).toEqual(['I6']);
    expect(names(await get({ light: 'green' }))).toEqual(['I5']);
    expect(names(await get({ overdue: true }))).toEqual(['I3', 'I4']);
    expect(names(await get({ overdue: false }))).toEqual(['I1', 'I2', 'I6', 'I5']);
    expect(names(await get({ state: 'closed' }))).toEqual(['I1', 'I2']);
    expect(names(await get({ list: 'problem' }))).toEqual(['I1', 'I4']);
    expect(names(await get({ list: 'problem', state: 'closed' }))).toEqual(['I1']);
    expect(names(await get({ orgUnitId: h.org.branchA, list: 'task' }))).toEqual(['I2', 'I5']);
    expect(names(await get({ q: '学习' }))).toEqual(['I1', 'I6']);
    expect(names(await get({ q: '三会一课', orgUnitId: h.org.branchB }))).toEqual(['I3']);
    expect(names(await get({ dueFrom: '2026-02-01', dueTo: '2026-03-10' }))).toEqual(['I3', 'I4']);
    expect(names(await get({ source: 'task' }))).toEqual([]);
    expect(names(await get({ escalated: false, sort: '-due' }))).toEqual([
      'I5',
      'I6',
      'I4',
      'I3',
      'I2',
      'I1',
    ]);
    const page = await get({ page: 2, pageSize: 2 });
    expect(names(page)).toEqual(['I3', 'I4']);
    expect(listOf(page)).toMatchObject({ total: 6, page: 2, pageSize: 2 });
    // A secretary sees its own branch only
    expect(names(await secretaryB.http.get('/api/ledger/items'))).toEqual(['I3', 'I4']);
    expect(names(await supervisorOther.http.get('/api/ledger/items'))).toEqual([]);
    // Bad filters are 400 naming the field
    const bad = await get({ light: 'blue', overdue: 'maybe' });
    expect(bad.status).toBe(400);
    expect((bad.body as { details: { field: string }[] }).details.map((d) => d.field)).toEqual([
      'light',
      'overdue',
    ]);
  });

  it('moves the traffic light with the clock: green, yellow N days before, red after', async () => {
    const light = async () =>
      itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${ids.I5}`)).light;
    try {
      h.clock.set(at('2026-04-27T17:59:59+08:00'));
      expect(await light()).toBe('green');
      h.clock.set(at('2026-04-27T18:00:00+08:00'));
      expect(await light()).toBe('yellow');
      h.clock.set(at('2026-04-30T18:00:00+08:00'));
      expect(await light()).toBe('yellow');
      h.clock.set(at('2026-04-30T18:00:00.001+08:00'));
      expect(await light()).toBe('red');
      expect(names(await supervisorGeneral.http.get('/api/ledger/overdue'))).toEqual([
        'I3',
        'I4',
        'I6',
        'I5',
      ]);
      // The same board by cursor, two at a time; a cursor it did not give out is 400
      const first = await supervisorGeneral.http.get('/api/ledger/overdue?pageSize=2');
      expect(listOf(first)).toMatchObject({ total: 4, page: 1, totalIsApproximate: false });
      const { nextCursor: cursor } = first.body as { nextCursor: string };
      const second = await supervisorGeneral.http.get(
        `/api/ledger/overdue?pageSize=2&cursor=${cursor}`,
      );
      expect([...names(first), ...names(second)]).toEqual(['I3', 'I4', 'I6', 'I5']);
      expect(listOf(second)).toMatchObject({ page: null, nextCursor: null });
      for (const bad of ['nonsense', Buffer.from('["d",null]').toString('base64url')]) {
        const refused = await supervisorGeneral.http.get(`/api/ledger/overdue?cursor=${bad}`);
        expect(refused.status).toBe(400);
        expect((refused.body as { details: { field: string }[] }).details).toEqual([
          expect.objectContaining({ field: 'cursor' }),
        ]);
      }
    } finally {
      h.clock.set(at('2026-03-25T09:00:00+08:00'));
    }
  });

  const row = (
    orgUnitId: string,
    period: string,
    [opened, openAtEnd, overdueAtEnd, closed, closedOnTime]: number[],
    onTimeRate: number | null,
  ) => ({
    orgUnitId,
    period,
    opened,
    openAtEnd,
    overdueAtEnd,
    closed,
    closedOnTime,
    onTimeRate,
  });

  it('rolls up per unit (its whole subtree) and month, with exact numbers', async () => {
    const response = await supervisorCommittee.http
      .get('/api/ledger/rollup')
      .query({ period: 'month', from: '2026-01', to: '2026-03', orgUnitId: h.org.general });
    expect(response.status).toBe(200);
    const body = response.body as { periods: string[]; rows: object[] };
    expect(body.periods).toEqual(['2026-01', '2026-02', '2026-03']);
    const { general, branchA: A, branchB: B } = h.org;
    expect(body.rows.map((r) => ({ ...r, orgUnitName: undefined }))).toEqual(
      [
        row(general, '2026-01', [3, 2, 1, 1, 1], 1),
        row(general, '2026-02', [1, 2, 1, 1, 0], 0),
        row(general, '2026-03', [2, 4, 2, 1, 1], 1),
        row(A, '2026-01', [2, 1, 1, 1, 1], 1),
        row(A, '2026-02', [0, 0, 0, 1, 0], 0),
        row(A, '2026-03', [2, 2, 0, 0, 0], null),
        row(B, '2026-01', [1, 1, 0, 0, 0], null),
        row(B, '2026-02', [1, 2, 1, 0, 0], null),
        row(B, '2026-03', [0, 2, 2, 1, 1], 1),
      ].map((r) => ({ ...r, orgUnitName: undefined })),
    );
    // March is the current period (now is the 25th): it is counted as of now, so I6 (due the
    // 27th) is not overdue yet; once March is over, its end is March 31 and I6 is overdue then
    try {
      h.clock.set(at('2026-04-02T09:00:00+08:00'));
      const later = await supervisorCommittee.http
        .get('/api/ledger/rollup')
        .query({ period: 'month', from: '2026-03', to: '2026-03', orgUnitId: h.org.branchA });
      expect((later.body as { rows: object[] }).rows).toEqual([
        { ...row(A, '2026-03', [2, 2, 1, 0, 0], null), orgUnitName: '第一党支部' },
      ]);
    } finally {
      h.clock.set(at('2026-03-25T09:00:00+08:00'));
    }
  });

  it('rolls up per quarter; by default over the caller’s own scope', async () => {
    const response = await supervisorCommittee.http
      .get('/api/ledger/rollup')
      .query({ period: 'quarter', from: '2026-02', to: '2026-02' });
    expect(response.status).toBe(200);
    const body = response.body as { periods: string[]; rows: (object & { orgUnitName: string })[] };
    expect(body.periods).toEqual(['2026-Q1']);
    const { committee, general, branchA: A, branchB: B } = h.org;
    expect(body.rows.map(({ orgUnitName: _, ...r }) => r)).toEqual([
      row(committee, '2026-Q1', [6, 4, 2, 3, 2], 2 / 3),
      row(general, '2026-Q1', [6, 4, 2, 3, 2], 2 / 3),
      row(A, '2026-Q1', [4, 2, 0, 2, 1], 0.5),
      row(B, '2026-Q1', [2, 2, 2, 1, 1], 1),
    ]);
    expect(body.rows[0].orgUnitName).toBe('公司党委');
    // A branch secretary's default is its branch
    const own = await secretaryA.http
      .get('/api/ledger/rollup')
      .query({ period: 'quarter', from: '2026-01', to: '2026-03' });
    expect((own.body as { rows: { orgUnitId: string }[] }).rows.map((r) => r.orgUnitId)).toEqual([
      A,
    ]);
  });

  it('exports the same filtered ledger as CSV (UTF-8 with BOM) and xlsx, Chinese headers', async () => {
    const csv = await supervisorGeneral.http
      .get('/api/ledger/export.csv')
      .query({ orgUnitId: h.org.general })
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="ledger-\d{8}\.csv"/);
    const bytes = binary(csv);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.subarray(3).toString('utf8'));
    const header = rows[0];
    for (const name of [
      '清单',
      '事项',
      '工作标准',
      '责任单位',
      '责任人',
      '考核部门',
      '完成时间',
      '状态',
      '亮灯',
      '督办次数',
    ]) {
      expect(header).toContain(name);
    }
    expect(rows).toHaveLength(7);
    const column = (name: string) => header.indexOf(name);
    const i3 = rows.find((r) => r[0] === ids.I3)!;
    expect(i3[column('事项')]).toBe('"三会一课"台账, 补齐');
    expect(i3[column('清单')]).toBe('责任清单');
    expect(i3[column('责任单位')]).toBe('第二党支部');
    expect(i3[column('考核部门')]).toBe('研发党总支');
    expect(i3[column('完成时间')]).toBe('2026-02-15 18:00');
    expect(i3[column('亮灯')]).toBe('红灯');
    const i5 = rows.find((r) => r[0] === ids.I5)!;
    expect(i5[column('事项')]).toBe("'=1+1 书记项目季度计划");

    const xlsx = await supervisorGeneral.http
      .get('/api/ledger/export.xlsx')
      .query({ orgUnitId: h.org.branchA, state: 'closed' })
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(binary(xlsx) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('挂账销号台账')!;
    expect(sheet.rowCount).toBe(3);
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(values(1)).toEqual(header);
    expect(values(2).slice(0, 3)).toEqual([ids.I1, '问题清单', '党员学习记录不全']);
    expect(values(3)[column('状态')]).toBe('已销号');
    expect(values(3)[column('销号时间')]).toBe('2026-02-06 10:00');
  });

  it('answers a token from the wrong branch as for unknown ids (404 item, 400 unit) and refuses no token (401)', async () => {
    const B = h.org.branchB;
    const item = ids.I3;
    const calls: [string, string, Record<string, string>?, object?][] = [
      ['get', '/api/ledger/items', { orgUnitId: B }],
      [
        'post',
        '/api/ledger/items',
        {},
        {
          list: 'problem',
          title: 't',
          standard: 's',
          orgUnitId: B,
          responsible: 'r',
          assessingUnitId: h.org.general,
          dueAt: '2026-04-01',
        },
      ],
      ['get', `/api/ledger/items/${item}`],
      ['post', `/api/ledger/items/${item}/progress`, {}, { note: 'n' }],
      ['post', `/api/ledger/items/${item}/attachments`, { fileName: 'x.txt' }],
      ['get', `/api/ledger/items/${item}/attachments/${attachmentB}`],
      ['post', `/api/ledger/items/${item}/submit`, {}, { note: 'n' }],
      ['post', `/api/ledger/items/${item}/verify`, {}, {}],
      ['post', `/api/ledger/items/${item}/reject`, {}, { reason: 'r' }],
      ['post', `/api/ledger/items/${item}/reopen`, {}, { reason: 'r' }],
      ['get', '/api/ledger/overdue', { orgUnitId: B }],
      [
        'get',
        '/api/ledger/rollup',
        { period: 'month', from: '2026-01', to: '2026-01', orgUnitId: B },
      ],
      ['get', '/api/ledger/export.xlsx', { orgUnitId: B }],
      ['get', '/api/ledger/export.csv', { orgUnitId: B }],
    ];
    const send = async (
      client: LedgerUser['http'],
      [method, path, query, body]: (typeof calls)[number],
    ) => {
      let test = method === 'get' ? client.get(path) : client.post(path);
      if (query) test = test.query(query);
      if (path.endsWith('/attachments')) {
        test = test.set('Content-Type', 'text/plain').send(Buffer.from('x'));
      } else if (body) test = test.send(body);
      return (await test).status;
    };
    for (const user of [secretaryA, supervisorOther]) {
      const statuses = [];
      for (const call of calls) statuses.push([call[1], await send(user.http, call)]);
      // Out of scope is absent: an item is a missing item, a unit (filter or new item) an unknown one
      expect(statuses).toEqual(
        calls.map((call) => [call[1], call[1].includes('/items/') ? 404 : 400]),
      );
    }
    const anonymous = [];
    for (const call of calls) anonymous.push([call[1], await send(h.anonymous, call)]);
    expect(anonymous).toEqual(calls.map((call) => [call[1], 401]));
    // The item is untouched
    expect(itemOf(await secretaryB.http.get(`/api/ledger/items/${item}`)).state).toBe('open');
  });
});
