import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALL_ITEM_FACTS, LedgerException, LedgerStore, periodsBetween } from '@app/ledger';
import { OrgDirectory } from '@app/org';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { TestClock, isolatedDatabase, testDataSource } from '../support/database.js';

const HOUR = 3600_000;
const T0 = Date.parse('2026-01-10T00:00:00+08:00');

/**
 * The maintained roll-up counters agree exactly with the recount from the items: random
 * histories of ledger operations (open, progress, submit, 销号, reject, 回头看 with a new due
 * time, 督办) at random times, after each history every month and quarter of the roll-up and
 * every level of the cockpit compared with the recount.
 */
describe('ledger: roll-up counters against the recount', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  const clock = new TestClock(T0);
  let store: LedgerStore;

  beforeAll(async () => {
    const db = await isolatedDatabase('rollup_counters');
    drop = db.drop;
    dataSource = await testDataSource(3, db.url);
    store = new LedgerStore(dataSource, clock, { yellowDays: 3, graceDays: 1 });
    const org = new OrgDirectory(dataSource, clock);
    await org.createUnit({ id: 'pc', parentId: null, kind: 'committee', name: '党委' });
    await org.createUnit({ id: 'pg', parentId: 'pc', kind: 'general_branch', name: '党总支' });
    await org.createUnit({ id: 'pa', parentId: 'pg', kind: 'branch', name: '支部甲' });
    await org.createUnit({ id: 'pb', parentId: 'pc', kind: 'branch', name: '支部乙' });
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  type Op =
    | { op: 'open'; unit: number; dueInHours: number }
    | { op: 'progress' | 'submit' | 'verify' | 'reject' | 'escalate'; item: number }
    | { op: 'reopen'; item: number; dueInHours: number | null }
    | { op: 'wait'; hours: number };
  const units = ['pa', 'pb', 'pg', 'pc'];
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      op: fc.constant('open' as const),
      unit: fc.nat(3),
      dueInHours: fc.integer({ min: -48, max: 24 * 60 }),
    }),
    fc.record({
      op: fc.constantFrom(
        'progress' as const,
        'submit' as const,
        'verify' as const,
        'reject' as const,
        'escalate' as const,
      ),
      item: fc.nat(20),
    }),
    fc.record({
      op: fc.constant('reopen' as const),
      item: fc.nat(20),
      dueInHours: fc.option(fc.integer({ min: 1, max: 24 * 40 }), { nil: null }),
    }),
    fc.record({ op: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 24 * 25 }) }),
  );

  it('agrees with the recount after random histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const items: string[] = [];
        for (const o of ops) {
          const id = 'item' in o ? items[o.item % Math.max(items.length, 1)] : undefined;
          try {
            switch (o.op) {
              case 'open': {
                const unit = units[o.unit];
                const item = await store.create(
                  {
                    list: 'problem',
                    title: '事项',
                    standard: '标准',
                    orgUnitId: unit,
                    responsible: '书记',
                    assessingUnitId: 'pc',
                    dueAt: clock.now() + o.dueInHours * HOUR,
                  },
                  'tester',
                );
                items.push(item.id);
                break;
              }
              case 'wait':
                clock.advance(o.hours * HOUR);
                break;
              case 'progress':
                if (id) await store.progress(id, '进展', 'tester');
                break;
              case 'submit':
                if (id) await store.submit(id, { note: '完成' }, 'tester');
                break;
              case 'verify':
                if (id) await store.verify(id, null, 'tester');
                break;
              case 'reject':
                if (id) await store.reject(id, '不合格', 'tester');
                break;
              case 'reopen':
                if (id)
                  await store.reopen(
                    id,
                    '回头看',
                    o.dueInHours === null ? null : clock.now() + o.dueInHours * HOUR,
                    'tester',
                  );
                break;
              case 'escalate':
                if (id) {
                  await dataSource.transaction((manager) =>
                    store.escalate(manager, id, clock.now(), clock.now(), 'system:test'),
                  );
                }
                break;
            }
          } catch (error) {
            // A transition from the wrong state is refused (409): part of a random history
            if (!(error instanceof LedgerException)) throw error;
          }
          // Now and then on a different clock reading within the hour
          clock.advance(7 * 60_000);
        }
        for (const kind of ['month', 'quarter'] as const) {
          // From the first month (the counts since then), and from this month (the stocks)
          const thisMonth = new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7);
          // The clock moves on across the runs, past 2026-12 with some seeds: read up to the
          // later of the two (from after to is refused)
          const to = thisMonth > '2026-12' ? thisMonth : '2026-12';
          for (const from of ['2025-12', thisMonth]) {
            const periods = periodsBetween(kind, from, to, 'Asia/Shanghai');
            expect(await store.rollup(['/pc/'], periods)).toEqual(
              await store.recountRollup(['/pc/'], periods),
            );
          }
          for (const level of [{ rootPaths: ['/pc/'] }, { parentPath: '/pc/' }]) {
            const [period] = periodsBetween(
              kind,
              new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7),
              new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7),
              'Asia/Shanghai',
            );
            const page = { limit: 50, offset: 0 };
            expect(await store.unitRollup(level, period, page)).toEqual(
              await store.unitRollup(level, period, page, { recount: true }),
            );
          }
        }
        // The rebuild's set-based facts are the per-item function's, row for row
        const facts = (sql: string) =>
          dataSource.query<unknown[]>(
            `SELECT item_id, org_unit_id, kind::text, period, opened, closed, closed_on_time,
                    escalated, closed_open, open_flow, overdue_flow, open_due
               FROM (${sql}) f ORDER BY 1, 2, 3, 4`,
          );
        expect(await facts(ALL_ITEM_FACTS)).toEqual(
          await facts('SELECT * FROM ledger_rollup_facts_of(ARRAY(SELECT id FROM ledger_items))'),
        );
        expect(await store.recountCounters()).toEqual([]);
      }),
      { numRuns: 15 },
    );
  }, 600_000);

  it('agrees with the recount as the stocks follow the clock forward, back and forward', async () => {
    // A subtree of its own: the random histories' entries lie at the clock's latest reading,
    // and a clock set back before them would see entries in its future
    const org = new OrgDirectory(dataSource, clock);
    await org.createUnit({ id: 'pz', parentId: null, kind: 'committee', name: '另一党委' });
    await org.createUnit({ id: 'pzb', parentId: 'pz', kind: 'branch', name: '支部丙' });
    const bounds = async () =>
      Object.fromEntries(
        (
          await dataSource.query<{ kind: string; before: string }[]>(
            `SELECT kind::text AS kind, before FROM ledger_rollup_stock_bounds`,
          )
        ).map((row) => [row.kind, row.before]),
      );
    const compare = async () => {
      const month = new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7);
      const periods = periodsBetween('month', month, month, 'Asia/Shanghai');
      const rollup = await store.rollup(['/pz/'], periods);
      expect(rollup).toEqual(await store.recountRollup(['/pz/'], periods));
      return rollup.find((row) => row.orgUnitId === 'pz');
    };
    clock.advance(HOUR);
    const start = clock.now();
    const item = await store.create(
      {
        list: 'problem',
        title: '逾期事项',
        standard: '标准',
        orgUnitId: 'pzb',
        responsible: '书记',
        assessingUnitId: 'pz',
        dueAt: start - 40 * 24 * HOUR,
      },
      'tester',
    );
    // Overdue once the grace (a day) is over
    const today = () => new Date(clock.now()).toISOString().slice(0, 10);
    clock.advance(25 * HOUR);
    expect(await compare()).toMatchObject({ openAtEnd: 1, overdueAtEnd: 1 });
    expect((await bounds()).d).toBe(today());
    clock.set(start + 60 * 24 * HOUR);
    expect(await compare()).toMatchObject({ openAtEnd: 1, overdueAtEnd: 1 });
    expect((await bounds()).d).toBe(today());
    // Set back (after the item's entries): the stocks are recounted at the earlier bounds
    clock.set(start + 50 * HOUR);
    expect(await compare()).toMatchObject({ openAtEnd: 1, overdueAtEnd: 1 });
    expect((await bounds()).d).toBe(today());
    // Closed the same day: a change of a due day before the bound reaches the stock
    await store.submit(item.id, { note: '完成' }, 'tester');
    await store.verify(item.id, null, 'tester');
    expect(await compare()).toMatchObject({ openAtEnd: 0, overdueAtEnd: 0, closed: 1 });
    clock.set(start + 60 * 24 * HOUR);
    expect(await compare()).toMatchObject({ openAtEnd: 0, overdueAtEnd: 0 });
    expect(await store.recountCounters()).toEqual([]);
  }, 120_000);

  it('counts a 督办 of an overdue item in the month it was made, as the recount does', async () => {
    const org = new OrgDirectory(dataSource, clock);
    await org.createUnit({ id: 'px', parentId: null, kind: 'committee', name: '第四党委' });
    await org.createUnit({ id: 'pxb', parentId: 'px', kind: 'branch', name: '支部戊' });
    const item = await store.create(
      {
        list: 'problem',
        title: '督办事项',
        standard: '标准',
        orgUnitId: 'pxb',
        responsible: '书记',
        assessingUnitId: 'px',
        dueAt: clock.now() - 10 * 24 * HOUR,
      },
      'tester',
    );
    // Overdue once the grace (a day) is over; read once, so the item's facts are refreshed
    clock.advance(25 * HOUR);
    const label = new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7);
    const [month] = periodsBetween('month', label, label, 'Asia/Shanghai');
    const level = { rootPaths: ['/px/'] };
    const page = { limit: 50, offset: 0 };
    const committee = async () => {
      const read = await store.unitRollup(level, month, page);
      expect(read).toEqual(await store.unitRollup(level, month, page, { recount: true }));
      return read.rows.find((row) => row.orgUnitId === 'px');
    };
    expect(await committee()).toMatchObject({ overdueAtEnd: 1, escalated: 0 });
    // When it is escalated (an entry only: its state, unit and due time stay as they were)
    const escalation = await dataSource.transaction((manager) =>
      store.escalate(manager, item.id, clock.now(), clock.now(), 'system:test'),
    );
    expect(escalation).not.toBeNull();
    // Then the roll-up counts it, as the recount does
    expect(await committee()).toMatchObject({ overdueAtEnd: 1, escalated: 1 });
    expect(await store.recountCounters()).toEqual([]);
  });

  it('notes an item when its facts can move (cancelled, moved, due again), not when it is only submitted', async () => {
    const org = new OrgDirectory(dataSource, clock);
    await org.createUnit({ id: 'pw', parentId: null, kind: 'committee', name: '第五党委' });
    await org.createUnit({ id: 'pwa', parentId: 'pw', kind: 'branch', name: '支部己' });
    await org.createUnit({ id: 'pwb', parentId: 'pw', kind: 'branch', name: '支部庚' });
    const item = await store.create(
      {
        list: 'problem',
        title: '整改事项',
        standard: '标准',
        orgUnitId: 'pwa',
        responsible: '书记',
        assessingUnitId: 'pw',
        dueAt: clock.now() + 5 * 24 * HOUR,
      },
      'tester',
    );
    const label = new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7);
    const month = periodsBetween('month', label, label, 'Asia/Shanghai');
    const noted = async () => {
      const [row] = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM ledger_rollup_dirty WHERE item_id = $1`,
        [item.id],
      );
      return row.n;
    };
    const read = async () => {
      const rows = await store.rollup(['/pw/'], month);
      expect(rows).toEqual(await store.recountRollup(['/pw/'], month));
      return Object.fromEntries(rows.map((row) => [row.orgUnitId, row.openAtEnd]));
    };
    expect(await read()).toEqual({ pw: 1, pwa: 1, pwb: 0 });
    // Submitted (a change of state that no fact is made of): not noted
    await store.submit(item.id, { note: '完成' }, 'tester');
    expect(await noted()).toBe(0);
    expect(await read()).toEqual({ pw: 1, pwa: 1, pwb: 0 });
    // Moved to another unit, or given another due time: noted, and counted there
    await dataSource.query(`UPDATE ledger_items SET org_unit_id = 'pwb' WHERE id = $1`, [item.id]);
    expect(await noted()).toBe(1);
    expect(await read()).toEqual({ pw: 1, pwa: 0, pwb: 1 });
    await dataSource.query(
      `UPDATE ledger_items SET due_at = due_at + interval '1 day' WHERE id = $1`,
      [item.id],
    );
    expect(await noted()).toBe(1);
    expect(await read()).toEqual({ pw: 1, pwa: 0, pwb: 1 });
    // Cancelled (as a cancelled task's item is): noted, and no longer counted
    await dataSource.query(
      `UPDATE ledger_items SET state = 'cancelled', settled_at = now() WHERE id = $1`,
      [item.id],
    );
    expect(await noted()).toBe(1);
    expect(await read()).toEqual({ pw: 0, pwa: 0, pwb: 0 });
    expect(await store.recountCounters()).toEqual([]);
  });

  it('notes a change in its transaction and counts it at the next refresh or read, with refreshers and writers at once', async () => {
    const org = new OrgDirectory(dataSource, clock);
    await org.createUnit({ id: 'py', parentId: null, kind: 'committee', name: '第三党委' });
    await org.createUnit({ id: 'pyb', parentId: 'py', kind: 'branch', name: '支部丁' });
    await store.refreshCounters();
    const notes = async () =>
      Number(
        (
          await dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM ledger_rollup_dirty`)
        )[0].n,
      );
    const factsOf = async (id: string) =>
      Number(
        (
          await dataSource.query<{ n: string }[]>(
            `SELECT count(*) AS n FROM ledger_rollup_item_facts WHERE item_id = $1`,
            [id],
          )
        )[0].n,
      );
    const month = () => {
      const label = new Date(clock.now() + 8 * HOUR).toISOString().slice(0, 7);
      return periodsBetween('month', label, label, 'Asia/Shanghai');
    };
    const open = () =>
      store.create(
        {
          list: 'problem',
          title: '整改事项',
          standard: '标准',
          orgUnitId: 'pyb',
          responsible: '书记',
          assessingUnitId: 'py',
          dueAt: clock.now() + 24 * HOUR,
        },
        'tester',
      );
    // Given an item opened: noted, its facts not yet there
    const first = await open();
    expect(await notes()).toBe(1);
    expect(await factsOf(first.id)).toBe(0);
    // When the roll-up is read, it counts it (the read refreshes first)
    expect((await store.rollup(['/py/'], month())).find((r) => r.orgUnitId === 'py')).toMatchObject(
      { opened: 1, openAtEnd: 1 },
    );
    expect(await notes()).toBe(0);
    expect(await factsOf(first.id)).toBeGreaterThan(0);
    // And when items are opened, submitted and closed while refreshers run (the worker's job,
    // readers), every change lands once
    const items = await Promise.all(Array.from({ length: 12 }, () => open()));
    await Promise.all([
      ...items.map(async (item, i) => {
        await store.submit(item.id, { note: '完成' }, 'tester');
        if (i % 2 === 0) await store.verify(item.id, null, 'tester');
      }),
      store.refreshCounters(),
      store.refreshCounters(),
      store.rollup(['/py/'], month()),
    ]);
    await store.refreshCounters();
    expect(await notes()).toBe(0);
    const rollup = await store.rollup(['/py/'], month());
    expect(rollup).toEqual(await store.recountRollup(['/py/'], month()));
    expect(rollup.find((r) => r.orgUnitId === 'py')).toMatchObject({
      opened: 13,
      openAtEnd: 7,
      closed: 6,
    });
    expect(await store.recountCounters()).toEqual([]);
    // And a recount with changes not yet refreshed finds no drift in them, and takes them
    await store.reopen(items[0].id, '回头看', clock.now() + 48 * HOUR, 'tester');
    await open();
    expect(await notes()).toBeGreaterThan(0);
    expect(await store.recountCounters()).toEqual([]);
    expect(await notes()).toBe(0);
    expect(await store.rollup(['/py/'], month())).toEqual(
      await store.recountRollup(['/py/'], month()),
    );
  }, 120_000);
});
