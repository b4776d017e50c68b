/**
 * Roster import (花名册, issue 14 part 2): how long `importRoster` — the api's and the cli's path
 * — takes for BENCH_IMPORT_ROWS (10,000) made-up members over 50 branches, from the CSV and
 * from the xlsx bytes, first as a fresh import (all created), then again (all unchanged), then
 * with every phone changed (all updated). Target: under 10 s for 10,000 members.
 *
 *   npm run bench:import
 *
 * Works in its own database branchflow_import_<pid> (created, migrated, dropped at the end).
 * BENCH_POSTGRES_URL: the admin connection (postgres://postgres@127.0.0.1:5432/postgres).
 */
import { performance } from 'node:perf_hooks';
import { MembersRepository, UnitsRepository, importRoster } from '@app/org';
import { migrateDatabase, createDataSource, systemClock } from '@app/store';
import pg from 'pg';
import { rosterCsv, rosterRows, rosterXlsx } from './make-sample-roster.js';

const rows = Number(process.env.BENCH_IMPORT_ROWS ?? 10_000);
const admin = new URL(
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
const database = `branchflow_import_${process.pid}`;
const url = new URL(admin);
url.pathname = `/${database}`;

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

await adminQuery(`CREATE DATABASE "${database}"`);
try {
  await migrateDatabase(url.toString());
  const dataSource = createDataSource(url.toString(), { poolSize: 2 });
  await dataSource.initialize();
  try {
    const units = new UnitsRepository(dataSource, systemClock);
    const members = new MembersRepository(dataSource, systemClock);
    await units.create(
      { id: 'bench', parentId: null, kind: 'committee', name: '集团公司党委' },
      'bench',
    );
    const branches: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      await units.create(
        { id: `branch-${i}`, parentId: 'bench', kind: 'branch', name: `第${i + 1}党支部` },
        'bench',
      );
      branches.push(`第${i + 1}党支部`);
    }
    const roster = rosterRows(rows, branches);
    const limits = { maxBytes: 100 * 1024 * 1024, maxRows: rows };
    const run = async (label: string, bytes: Buffer) => {
      const started = performance.now();
      const answer = await importRoster({ units, members, clock: systemClock }, bytes, {
        scopePath: '/bench/',
        fileName: `${label}`,
        actor: 'bench',
        dryRun: false,
        limits,
      });
      const ms = performance.now() - started;
      if (answer.errorCount > 0)
        throw new Error(`${label}: ${JSON.stringify(answer.errors.slice(0, 3))}`);
      process.stdout.write(
        `${label.padEnd(28)} ${String(Math.round(ms)).padStart(6)} ms  created ${answer.created}, updated ${answer.updated}, unchanged ${answer.unchanged}\n`,
      );
    };
    process.stdout.write(`roster import, ${rows} members over ${branches.length} branches\n`);
    await run('csv, fresh', rosterCsv(roster));
    await run('csv, again (unchanged)', rosterCsv(roster));
    const changed = roster.map((row) => [...row.slice(0, 8), `137${row[8].slice(3)}`]);
    await run('xlsx, phones changed', await rosterXlsx(changed));
    await run('xlsx, again (unchanged)', await rosterXlsx(changed));
  } finally {
    await dataSource.destroy();
  }
} finally {
  await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}
