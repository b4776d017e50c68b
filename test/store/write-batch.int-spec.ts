import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { WriteBatch, pipeline } from '@app/store';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { testDataSource } from '../support/database.js';

describe('WriteBatch.expectOne: parts that must each change one row, run before the others', () => {
  let dataSource: DataSource;
  let client: pg.PoolClient;
  let release: () => Promise<void>;
  const rows = `expect_rows_${process.pid}`;
  const log = `expect_log_${process.pid}`;
  const order = `expect_order_${process.pid}`;

  beforeAll(async () => {
    dataSource = await testDataSource(2);
    const runner = dataSource.createQueryRunner();
    client = (await runner.connect()) as pg.PoolClient;
    release = () => runner.release();
    await client.query(`CREATE TABLE ${rows} (id int PRIMARY KEY, rev int NOT NULL, n bigint)`);
    await client.query(`CREATE TABLE ${log} (id int PRIMARY KEY, n bigint)`);
  });

  beforeEach(async () => {
    await client.query(`DROP SEQUENCE IF EXISTS ${order}`);
    await client.query(`CREATE SEQUENCE ${order}`);
    await client.query(`TRUNCATE ${rows}, ${log}`);
    await client.query(`INSERT INTO ${rows} (id, rev) VALUES (1, 1), (2, 1)`);
    await client.query(`INSERT INTO ${log} (id) VALUES (99)`);
  });

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${rows}, ${log}`);
    await client.query(`DROP SEQUENCE IF EXISTS ${order}`);
    await release();
    await dataSource.destroy();
  });

  /** A step-like batch: a log insert first, then the two row updates at the given revisions. */
  const batchAt = (rev1: number, rev2: number, logId: number) => {
    const batch = new WriteBatch();
    batch.add(`INSERT INTO ${log} (id, n) VALUES ($1, nextval('${order}'))`, [logId]);
    const second = batch.add(
      `UPDATE ${rows} SET rev = rev + 1, n = nextval('${order}') WHERE id = 2 AND rev = $1 RETURNING 1`,
      [rev2],
    );
    const first = batch.add(
      `UPDATE ${rows} SET rev = rev + 1, n = nextval('${order}') WHERE id = 1 AND rev = $1 RETURNING 1`,
      [rev1],
    );
    batch.expectOne(first, 'row 1');
    batch.expectOne(second, 'row 2');
    return batch;
  };

  const state = async () => ({
    rows: (await client.query(`SELECT id, rev, n::int FROM ${rows} ORDER BY id`)).rows,
    log: (await client.query(`SELECT id, n::int FROM ${log} ORDER BY id`)).rows,
  });

  it('given every expected row as expected, when the batch runs, then all its writes take effect and the expected parts ran first, in the order named', async () => {
    await pipeline(client, batchAt(1, 1, 1).statements());

    expect(await state()).toEqual({
      rows: [
        { id: 1, rev: 2, n: 1 },
        { id: 2, rev: 2, n: 2 },
      ],
      log: [
        { id: 1, n: 3 },
        { id: 99, n: null },
      ],
    });
  });

  it('given one expected row changed since, when the batch runs, then it fails with serialization_failure naming the rows and none of its writes stay', async () => {
    await client.query(`UPDATE ${rows} SET rev = 5 WHERE id = 2`);

    const failure = await pipeline(client, batchAt(1, 1, 1).statements()).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(pg.DatabaseError);
    expect(failure).toMatchObject({
      code: '40001',
      message: 'row 1, row 2 changed since it was cached',
    });
    expect(await state()).toEqual({
      rows: [
        { id: 1, rev: 1, n: null },
        { id: 2, rev: 5, n: null },
      ],
      log: [{ id: 99, n: null }],
    });
  });

  it('given a write that would fail and an expected row changed since, when the batch runs, then the expectation fails before that write runs', async () => {
    // The log insert would break the primary key: not reached
    const failure = await pipeline(client, batchAt(7, 1, 99).statements()).catch(
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ code: '40001' });
    expect((await state()).rows).toEqual([
      { id: 1, rev: 1, n: null },
      { id: 2, rev: 1, n: null },
    ]);
  });
});
