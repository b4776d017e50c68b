import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PREPARED_PER_CONNECTION, pipeline, pooledPipeline } from '@app/store';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { testDataSource } from '../support/database.js';

describe('pipeline: several statements, prepared once per connection, in one round trip', () => {
  let dataSource: DataSource;
  let client: pg.PoolClient;
  let release: () => Promise<void>;
  const table = `pipeline_${process.pid}`;

  beforeAll(async () => {
    dataSource = await testDataSource(2);
    const runner = dataSource.createQueryRunner();
    client = (await runner.connect()) as pg.PoolClient;
    release = () => runner.release();
    await client.query(
      `CREATE TABLE ${table} (id int PRIMARY KEY, at timestamptz, tags text[], data jsonb)`,
    );
  });

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await release();
    await dataSource.destroy();
  });

  const prepared = async () =>
    (
      await client.query<{ name: string; statement: string }>(
        `SELECT name, statement FROM pg_prepared_statements ORDER BY name`,
      )
    ).rows;

  it('answers one result per statement, in order, with pg’s conversions of the values', async () => {
    const at = new Date('2026-03-02T01:00:00.000Z');
    const results = await pipeline(client, [
      { text: 'BEGIN', values: [] },
      {
        text: `INSERT INTO ${table} (id, at, tags, data) VALUES ($1, $2, $3, $4) RETURNING id`,
        values: [1, at, ['a', "b'c"], JSON.stringify({ n: 1, s: 'x\\y' })],
      },
      { text: `SELECT at, tags, data FROM ${table} WHERE id = $1`, values: [1] },
      { text: 'COMMIT', values: [] },
    ]);
    expect(results.map((result) => result.command)).toEqual([
      'BEGIN',
      'INSERT',
      'SELECT',
      'COMMIT',
    ]);
    expect(results[1].rows).toEqual([{ id: 1 }]);
    expect(results[2].rows).toEqual([{ at, tags: ['a', "b'c"], data: { n: 1, s: 'x\\y' } }]);
  });

  it('prepares a statement once and binds it afterwards', async () => {
    const text = `SELECT count(*)::int AS n FROM ${table} WHERE id >= $1`;
    for (let i = 0; i < 3; i++) {
      const [result] = await pipeline(client, [{ text, values: [0] }]);
      expect(result.rows).toEqual([{ n: 1 }]);
    }
    expect((await prepared()).filter((row) => row.statement === text)).toHaveLength(1);
  });

  it('skips what follows a failed statement: no COMMIT after a failed write, nothing kept', async () => {
    const insert = `INSERT INTO ${table} (id) VALUES ($1)`;
    await expect(
      pipeline(client, [
        { text: 'BEGIN', values: [] },
        { text: insert, values: [2] },
        { text: insert, values: [1] }, // duplicate key
        { text: 'COMMIT', values: [] },
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    // The transaction is open and aborted until rolled back.
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    const { rows } = await client.query(`SELECT id FROM ${table} ORDER BY id`);
    expect(rows).toEqual([{ id: 1 }]);
    // The statements of the failed pipeline are prepared afresh and work.
    await pipeline(client, [{ text: insert, values: [3] }]);
    await client.query(`DELETE FROM ${table} WHERE id = 3`);
  });

  it('runs the statements of a pipeline without BEGIN as one implicit transaction', async () => {
    const insert = `INSERT INTO ${table} (id) VALUES ($1)`;
    await expect(
      pipeline(client, [
        { text: insert, values: [4] },
        { text: insert, values: [1] },
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await client.query(`SELECT id FROM ${table} ORDER BY id`);
    expect(rows).toEqual([{ id: 1 }]);
  });

  it(`keeps at most ${PREPARED_PER_CONNECTION} statements prepared on a connection`, async () => {
    for (let i = 0; i < PREPARED_PER_CONNECTION + 10; i++) {
      const [result] = await pipeline(client, [
        { text: `SELECT $1::int + ${i} AS n`, values: [1] },
      ]);
      expect(result.rows).toEqual([{ n: i + 1 }]);
    }
    const names = await prepared();
    expect(names.length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
    // The most recent ones are kept.
    expect(names.map((row) => row.statement)).toContain(
      `SELECT $1::int + ${PREPARED_PER_CONNECTION + 9} AS n`,
    );
  });

  it('pooledPipeline: reads on a pooled connection in one round trip, errors as PostgreSQL gives them', async () => {
    const rows = (statements: { text: string; values: unknown[] }[]) =>
      pooledPipeline(dataSource, statements).then((results) =>
        results.map((r) => r.rows as unknown[]),
      );
    expect(
      await rows([
        { text: `SELECT $1::int * 2 AS n`, values: [21] },
        { text: `SELECT $1::text AS s`, values: ['x'] },
      ]),
    ).toEqual([[{ n: 42 }], [{ s: 'x' }]]);
    await expect(rows([{ text: `SELECT 1 / $1::int AS n`, values: [0] }])).rejects.toMatchObject({
      code: '22012',
    });
    // The pool's connection is usable afterwards
    expect(await rows([{ text: `SELECT $1::int * 2 AS n`, values: [2] }])).toEqual([[{ n: 4 }]]);
  });

  it('refuses a value pg cannot send without writing anything', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(
      pipeline(client, [{ text: `SELECT $1::jsonb AS v`, values: [circular] }]),
    ).rejects.toThrow();
    const [result] = await pipeline(client, [{ text: 'SELECT 1 AS one', values: [] }]);
    expect(result.rows).toEqual([{ one: 1 }]);
  });
});
