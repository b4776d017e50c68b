import { describe, expect, it } from '@jest/globals';
import { WriteBatch } from './write-batch.js';

describe('WriteBatch', () => {
  it('given parts and an output, when turned into statements, then one WITH chain renumbers the parameters and reads the output', () => {
    const batch = new WriteBatch();
    batch.add('UPDATE a SET x = $2 WHERE id = $1', ['a1', 1]);
    batch.add('INSERT INTO b (id) VALUES ($1) RETURNING id', ['b1'], 'created');

    expect(batch.statements()).toEqual([
      {
        text:
          'WITH w0 AS (UPDATE a SET x = $2 WHERE id = $1),\n' +
          'created AS (INSERT INTO b (id) VALUES ($3) RETURNING id)\n' +
          `SELECT (SELECT coalesce(json_agg(created), '[]'::json) FROM created) AS created`,
        values: ['a1', 1, 'b1'],
      },
    ]);
  });

  it('given parts expected to change one row each, when turned into statements, then the check is read first, names them in the order expected and carries what they are', () => {
    const batch = new WriteBatch();
    const instance = batch.add('UPDATE i SET r = r + 1 WHERE id = $1 AND r = $2 RETURNING 1', [
      'i1',
      4,
    ]);
    batch.add('INSERT INTO e (id) VALUES ($1)', ['e1']);
    const head = batch.add('UPDATE h SET seq = $2 WHERE id = $1 AND seq = $3 RETURNING 1', [
      'i1',
      9,
      8,
    ]);
    batch.add('INSERT INTO o (id) VALUES ($1) RETURNING id', ['o1'], 'outbox');
    batch.expectOne(instance, 'instance i1');
    batch.expectOne(head, 'audit head of i1');

    const [statement, ...others] = batch.statements();

    expect(others).toEqual([]);
    expect(batch.expectations).toBe(2);
    expect(statement.values).toEqual([
      'i1',
      4,
      'e1',
      'i1',
      9,
      8,
      'o1',
      'instance i1, audit head of i1',
    ]);
    expect(statement.text.split('\n').at(-1)).toBe(
      'SELECT step_expect_fresh((SELECT count(*) FROM w0) = 1 AND (SELECT count(*) FROM w2) = 1, $8) AS fresh, ' +
        `(SELECT coalesce(json_agg(outbox), '[]'::json) FROM outbox) AS outbox`,
    );
  });

  it('given a name no part has, when expected, then it is refused', () => {
    const batch = new WriteBatch();
    batch.add('UPDATE a SET x = 1 WHERE id = $1 RETURNING 1', ['a1']);

    expect(() => batch.expectOne('w1', 'a')).toThrow("write batch: no part named 'w1'");
  });

  it('given more parameters than one statement takes, when a part is expected, then the batch is not one statement and refuses to split', () => {
    const batch = new WriteBatch();
    const name = batch.add('UPDATE a SET x = 1 WHERE id = $1 RETURNING 1', ['a1']);
    batch.add('INSERT INTO b (x) SELECT unnest($1::int[])', new Array(65_534).fill(1));

    expect(batch.oneStatement).toBe(true);
    batch.expectOne(name, 'a1');

    // 65,535 parameters and the check's message: one too many
    expect(batch.oneStatement).toBe(false);
    expect(() => batch.statements()).toThrow('expectOne needs a batch that goes as one statement');
  });
});
