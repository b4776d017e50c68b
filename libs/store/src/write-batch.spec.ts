import { describe, expect, it } from '@jest/globals';
import { type RowsForm, WriteBatch, jsonValue, mergeBatches } from './write-batch.js';

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

describe('mergeBatches', () => {
  /** A merged statement's parameter: jsonb in binary format, a version byte (1), then the text. */
  const jsonb = (value: unknown): string => {
    const bytes = value as Buffer;
    expect(bytes[0]).toBe(1);
    return bytes.subarray(1).toString('utf8');
  };

  const pairs: RowsForm = {
    sql: 'UPDATE a SET x = (r.x->>1)::int FROM jsonb_array_elements($1::jsonb) AS r (x) WHERE a.id = r.x->>0',
    rows: (params) => `[${jsonValue(params[0])},${jsonValue(params[1])}]`,
  };
  const events: RowsForm = {
    sql: 'INSERT INTO e (v) SELECT r->>0 FROM jsonb_array_elements($1::jsonb) AS r',
    rows: (params) => (params[0] as string).slice(1, -1),
  };
  const step = (id: string, x: number, evs: string[]) => {
    const batch = new WriteBatch();
    batch.add('UPDATE a SET x = $2 WHERE id = $1', [id, x], undefined, pairs);
    batch.add(
      'INSERT INTO e (v) SELECT …',
      [JSON.stringify(evs.map((v) => [v]))],
      undefined,
      events,
    );
    return batch;
  };

  it('given steps whose parts all have multi-row forms, when merged, then each form is one statement over every step’s rows, in the order the forms first appear', () => {
    const merged = mergeBatches([
      step('支部"1', 1, ['x', 'y']),
      step('a2', 2, []),
      step('a3', 3, ['z']),
    ]);

    expect(
      merged.statements.map(({ text, values }) => ({ text, values: values.map(jsonb) })),
    ).toEqual([
      { text: pairs.sql, values: ['[["支部\\"1",1],["a2",2],["a3",3]]'] },
      { text: events.sql, values: ['[["x"],["y"],["z"]]'] },
    ]);
    // every value survives the trip through JSON
    expect(JSON.parse(jsonb(merged.statements[0].values[0]))).toEqual([
      ['支部"1', 1],
      ['a2', 2],
      ['a3', 3],
    ]);
    expect(merged.collect([undefined, undefined])).toEqual([{}, {}, {}]);
  });

  it('given a step with an output, a part without a form or an expectation, when merged, then that step goes as its own statement after the merged ones and gets its outputs back', () => {
    const plain = new WriteBatch();
    plain.add('UPDATE a SET x = $2 WHERE id = $1', ['b1', 5], undefined, pairs);
    plain.add('INSERT INTO o (id) VALUES ($1) RETURNING id', ['o1'], 'outbox');
    const formless = new WriteBatch();
    formless.add('UPDATE c SET y = 1 WHERE id = $1', ['c1']);

    const merged = mergeBatches([step('a1', 1, ['x']), plain, formless]);

    expect(merged.statements.map((statement) => statement.text)).toEqual([
      pairs.sql,
      events.sql,
      ...plain.statements().map((statement) => statement.text),
      ...formless.statements().map((statement) => statement.text),
    ]);
    expect(merged.statements[0].values.map(jsonb)).toEqual(['[["a1",1]]']);
    expect(merged.collect([undefined, undefined, { outbox: [{ id: 'o1' }] }, undefined])).toEqual([
      {},
      { outbox: [{ id: 'o1' }] },
      {},
    ]);
  });

  it('given steps whose output parts say which returned rows are theirs, when merged, then one statement returns every row and each step gets its own', () => {
    const jobs: RowsForm = {
      sql: 'INSERT INTO o (job_id) SELECT r.x->>0 FROM jsonb_array_elements($1::jsonb) AS r (x) RETURNING job_id',
      rows: (params) => params.map((id) => `[${jsonValue(id)}]`).join(','),
      returns: { key: (row) => String(row.job_id), keys: (params) => params.map(String) },
    };
    const withJobs = (id: string, jobIds: string[]) => {
      const batch = step(id, 1, []);
      batch.add('INSERT INTO o (job_id) VALUES … RETURNING job_id', jobIds, 'outbox', jobs);
      return batch;
    };

    const merged = mergeBatches([
      withJobs('a1', ['j1', 'j2']),
      withJobs('a2', []),
      withJobs('a3', ['j3']),
    ]);

    expect(merged.statements.map((statement) => statement.text)).toEqual([
      pairs.sql,
      `WITH m AS (${jobs.sql}) SELECT coalesce(json_agg(m), '[]'::json) AS rows FROM m`,
    ]);
    expect(jsonb(merged.statements[1].values[0])).toBe('[["j1"],["j2"],["j3"]]');
    expect(
      merged.collect([undefined, { rows: [{ job_id: 'j3' }, { job_id: 'j1' }, { job_id: 'j2' }] }]),
    ).toEqual([
      { outbox: [{ job_id: 'j1' }, { job_id: 'j2' }] },
      { outbox: [] },
      { outbox: [{ job_id: 'j3' }] },
    ]);
    // a row no step wrote is a fault, not a row given to anyone
    expect(() => merged.collect([undefined, { rows: [{ job_id: 'j9' }] }])).toThrow(
      'a merged statement returned a row no part wrote',
    );
  });

  it('given dates, nulls and text needing escapes, when written as a row, then they come out as JSON with ISO-8601 instants', () => {
    expect(jsonValue(new Date(Date.UTC(2026, 11, 8, 4, 5, 6, 7)))).toBe(
      '"2026-12-08T04:05:06.007Z"',
    );
    expect(jsonValue(null)).toBe('null');
    expect(jsonValue(undefined)).toBe('null');
    expect(jsonValue('第一支部 "书记"\n')).toBe('"第一支部 \\"书记\\"\\n"');
    expect(jsonValue(3)).toBe('3');
  });
});
