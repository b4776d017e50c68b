import { describe, expect, it } from '@jest/globals';
import { mergeParts } from './batch-start.js';

describe('mergeParts', () => {
  const instance = (n: number) => [
    {
      sql: `INSERT INTO tasks (id, name) VALUES ($1, $2) RETURNING id`,
      params: [`t${n}`, `任务${n}`],
    },
    {
      sql: `INSERT INTO ledger_entries (item_id, kind) SELECT v.id, $2 FROM (VALUES ($1)) v (id) ORDER BY 1`,
      params: [`i${n}`, 'opened'],
    },
    { sql: `UPDATE audit_streams SET seq = $1 WHERE stream = $2`, params: [n, `s${n}`] },
    {
      sql: `INSERT INTO outbox (id) SELECT $1 ON CONFLICT DO NOTHING`,
      params: [`o${n}`],
    },
  ];

  it('joins the rows of each shape into one statement, renumbering the parameters, and keeps the rest as they are', () => {
    expect(mergeParts([instance(1), instance(2), instance(3)])).toEqual([
      {
        sql: 'INSERT INTO tasks (id, name) VALUES ($1, $2),\n($3, $4),\n($5, $6) RETURNING id',
        params: ['t1', '任务1', 't2', '任务2', 't3', '任务3'],
      },
      {
        sql:
          'INSERT INTO ledger_entries (item_id, kind) (SELECT v.id, $2 FROM (VALUES ($1)) v (id) ORDER BY 1)' +
          '\nUNION ALL\n(SELECT v.id, $4 FROM (VALUES ($3)) v (id) ORDER BY 1)' +
          '\nUNION ALL\n(SELECT v.id, $6 FROM (VALUES ($5)) v (id) ORDER BY 1)',
        params: ['i1', 'opened', 'i2', 'opened', 'i3', 'opened'],
      },
      ...[1, 2, 3].flatMap((n) => [
        { sql: `UPDATE audit_streams SET seq = $1 WHERE stream = $2`, params: [n, `s${n}`] },
        { sql: `INSERT INTO outbox (id) SELECT $1 ON CONFLICT DO NOTHING`, params: [`o${n}`] },
      ]),
    ]);
  });

  it('numbers parameters past $9 and repeated ones as written', () => {
    const sql = `INSERT INTO t (a, b) VALUES ($1, $10), ($1, $2)`;
    const params = Array.from({ length: 10 }, (_, i) => i);
    expect(mergeParts([[{ sql, params }], [{ sql, params }]])).toEqual([
      {
        sql: 'INSERT INTO t (a, b) VALUES ($1, $10), ($1, $2),\n($11, $20), ($11, $12)',
        params: [...params, ...params],
      },
    ]);
  });
});
