import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCheckpoint } from '@app/audit';
import { loadEnv } from '@app/config';
import type { EntityManager } from 'typeorm';
import { type ApiHarness, startApi } from '../api/api-harness.js';
import { fixtures } from '../api/fixtures.js';
import { isolatedDatabase } from '../support/database.js';
import { AuditCheckpointService } from '../../apps/worker/src/maintenance/audit-checkpoint.service.js';

/**
 * Issue 13, finding 5: deleting audit events (as the database owner, with the append-only
 * trigger out of the way) must not verify `ok`. Each attack is undone afterwards (the rows put
 * back as they were), so each test starts from a trail that verifies.
 *
 * A database of its own: the whole trail is broken on purpose here.
 */
describe('audit verification catches deletions', () => {
  let db: { url: string; drop: () => Promise<void> };
  let api: ApiHarness;
  let key: string;
  let period = 0;

  beforeAll(async () => {
    db = await isolatedDatabase('audit_deletions');
    api = await startApi({ env: { DATABASE_URL: db.url } });
    key = `deletions-${api.tag}`;
    const deployed = await api.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(fixtures.sequence(key, ['A', 'B', 'C']));
    expect(deployed.status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** An instance with A and B completed: a stream of several events. */
  const instance = async (): Promise<string> => {
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    const body = started.body as { id: string; openTasks: { id: string }[] };
    let task = body.openTasks[0].id;
    for (let i = 0; i < 2; i++) {
      const done = await api.http.post(`/api/tasks/${task}/complete`).send({});
      expect(done.status).toBe(200);
      task = (done.body as { openTasks: { id: string }[] }).openTasks[0]?.id;
    }
    return body.id;
  };

  const verify = async (stream?: string) => {
    const response = await api.http.get(
      stream === undefined ? '/api/audit/verify' : `/api/audit/verify?stream=${stream}`,
    );
    expect(response.status).toBe(200);
    return response.body as {
      ok: boolean;
      broken: { id: string | null; stream: string; seq: number; reason: string } | null;
    };
  };

  /** Runs `attack` as the owner with triggers off; answers a function that undoes it. */
  const asOwner = (attack: (manager: EntityManager) => Promise<void>) =>
    api.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL session_replication_role = replica`);
      await attack(manager);
    });

  /** Saves the rows the attack will delete, and puts them back. */
  const saved = async (stream: string) => {
    const [events, heads, anchors] = await Promise.all([
      api.dataSource.query<Record<string, unknown>[]>(
        `SELECT * FROM audit_events WHERE stream = $1`,
        [stream],
      ),
      api.dataSource.query<Record<string, unknown>[]>(
        `SELECT * FROM audit_streams WHERE stream = $1`,
        [stream],
      ),
      api.dataSource.query<Record<string, unknown>[]>(
        `SELECT * FROM audit_anchors WHERE stream = $1`,
        [stream],
      ),
    ]);
    return () =>
      asOwner(async (manager) => {
        await manager.query(`DELETE FROM audit_events WHERE stream = $1`, [stream]);
        await manager.query(`DELETE FROM audit_streams WHERE stream = $1`, [stream]);
        await manager.query(`DELETE FROM audit_anchors WHERE stream = $1`, [stream]);
        for (const [table, rows] of [
          ['audit_events', events],
          ['audit_streams', heads],
          ['audit_anchors', anchors],
        ] as const) {
          for (const row of rows) {
            const columns = Object.keys(row);
            await manager.query(
              `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
              columns.map((column) => row[column]),
            );
          }
        }
      });
  };

  const lastSeq = async (stream: string) =>
    (
      await api.dataSource.query<{ seq: number }[]>(
        `SELECT max(seq)::int AS seq FROM audit_events WHERE stream = $1`,
        [stream],
      )
    )[0].seq;

  const checkpoint = () =>
    api.dataSource.transaction((manager) =>
      writeCheckpoint(manager, { period: `test-${++period}`, at: api.clock.now() }),
    );

  it('the last events of a stream deleted: verify names the stream and the missing seqs', async () => {
    const id = await instance();
    const n = await lastSeq(id);
    expect(n).toBeGreaterThan(3);
    expect(await verify()).toEqual(expect.objectContaining({ ok: true }));
    const restore = await saved(id);
    // When the owner deletes the last two events
    await asOwner((m) =>
      m.query(`DELETE FROM audit_events WHERE stream = $1 AND seq > $2`, [id, n - 2]),
    );
    // Then both the stream's and the whole trail's verification name them
    const expected = {
      ok: false,
      broken: {
        id: null,
        stream: id,
        seq: n - 1,
        reason: `events ${n - 1}–${n} are missing: the head is at seq ${n}, the events end at ${n - 2}`,
      },
    };
    expect(await verify(id)).toEqual(expect.objectContaining(expected));
    expect(await verify()).toEqual(expect.objectContaining(expected));
    await restore();
    expect(await verify()).toEqual(expect.objectContaining({ ok: true }));
  });

  it('a middle event deleted: verify names the gap', async () => {
    const id = await instance();
    const restore = await saved(id);
    await asOwner((m) => m.query(`DELETE FROM audit_events WHERE stream = $1 AND seq = 2`, [id]));
    const result = await verify(id);
    expect(result).toEqual(
      expect.objectContaining({
        ok: false,
        broken: expect.objectContaining({
          stream: id,
          seq: 3,
          reason: expect.stringContaining('event 2 is missing'),
        }),
      }),
    );
    expect((await verify()).ok).toBe(false);
    await restore();
    expect((await verify()).ok).toBe(true);
  });

  it('the tail deleted and the head moved back to match: caught by the checkpoint anchor', async () => {
    const id = await instance();
    const n = await lastSeq(id);
    await checkpoint();
    expect((await verify()).ok).toBe(true);
    const restore = await saved(id);
    await asOwner(async (m) => {
      await m.query(`DELETE FROM audit_events WHERE stream = $1 AND seq > $2`, [id, n - 2]);
      await m.query(
        `UPDATE audit_streams SET seq = e.seq, hash = e.hash FROM audit_events e
          WHERE audit_streams.stream = $1 AND e.stream = $1 AND e.seq = $2`,
        [id, n - 2],
      );
    });
    const expected = {
      ok: false,
      broken: expect.objectContaining({
        id: null,
        stream: id,
        seq: n - 1,
        reason: expect.stringContaining(`a checkpoint saw the stream at seq ${n}`),
      }),
    };
    expect(await verify(id)).toEqual(expect.objectContaining(expected));
    expect(await verify()).toEqual(expect.objectContaining(expected));
    // And a later checkpoint does not launder it: the anchor stays where it was
    await checkpoint();
    expect(await verify()).toEqual(expect.objectContaining(expected));
    await restore();
    expect((await verify()).ok).toBe(true);
  });

  it('a head row deleted (the events left): verify says so', async () => {
    const id = await instance();
    const restore = await saved(id);
    await asOwner((m) => m.query(`DELETE FROM audit_streams WHERE stream = $1`, [id]));
    const result = await verify();
    expect(result).toEqual(
      expect.objectContaining({
        ok: false,
        broken: expect.objectContaining({ stream: id, reason: expect.stringContaining('no head') }),
      }),
    );
    await restore();
    expect((await verify()).ok).toBe(true);
  });

  it('a whole stream deleted with its head: the instance’s stream says so, and after a checkpoint the whole trail too', async () => {
    const id = await instance();
    await checkpoint();
    expect((await verify()).ok).toBe(true);
    const restore = await saved(id);
    await asOwner(async (m) => {
      await m.query(`DELETE FROM audit_events WHERE stream = $1`, [id]);
      await m.query(`DELETE FROM audit_streams WHERE stream = $1`, [id]);
    });
    const whole = await verify();
    expect(whole).toEqual(
      expect.objectContaining({
        ok: false,
        broken: expect.objectContaining({
          id: null,
          stream: id,
          seq: 1,
          reason: expect.stringContaining('the stream is gone'),
        }),
      }),
    );
    expect((await verify(id)).ok).toBe(false);
    await restore();
    expect((await verify()).ok).toBe(true);
  });

  it('a whole stream deleted with its head and its anchor: the checkpoint’s digest no longer matches', async () => {
    const id = await instance();
    await checkpoint();
    const restore = await saved(id);
    await asOwner(async (m) => {
      await m.query(`DELETE FROM audit_events WHERE stream = $1`, [id]);
      await m.query(`DELETE FROM audit_streams WHERE stream = $1`, [id]);
      await m.query(`DELETE FROM audit_anchors WHERE stream = $1`, [id]);
    });
    const whole = await verify();
    expect(whole).toEqual(
      expect.objectContaining({
        ok: false,
        broken: expect.objectContaining({
          stream: 'system',
          reason: expect.stringContaining('no longer match checkpoint'),
        }),
      }),
    );
    // Nor does a new checkpoint launder that: it seals the anchors as they are, but the
    // instance's own stream still has nothing
    expect((await verify(id)).ok).toBe(false);
    await restore();
    expect((await verify()).ok).toBe(true);
  });

  it('a checkpoint is written once per period', async () => {
    const first = await api.dataSource.transaction((m) =>
      writeCheckpoint(m, { period: 'once', at: api.clock.now() }),
    );
    const again = await api.dataSource.transaction((m) =>
      writeCheckpoint(m, { period: 'once', at: api.clock.now() }),
    );
    expect(first).toEqual(expect.objectContaining({ period: 'once', digest: expect.any(String) }));
    expect(again).toBeNull();
    const [row] = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events WHERE stream = 'system' AND type = 'audit.checkpoint'
          AND data ->> 'period' = 'once'`,
    );
    expect(row.n).toBe(1);
  });

  it('the worker’s checkpoint job: once per period, exported as a JSON line; verify then catches a deleted stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'branchflow-checkpoints-'));
    try {
      const file = join(dir, 'checkpoints.jsonl');
      const env = loadEnv({ DATABASE_URL: db.url, AUDIT_CHECKPOINT_FILE: file });
      const job = new AuditCheckpointService(api.dataSource, api.clock, env);
      const id = await instance();
      api.clock.advance(3_600_000);
      const first = await job.run();
      const rerun = await job.run();
      expect(first.checkpoint).toEqual(expect.objectContaining({ digest: expect.any(String) }));
      expect(rerun.checkpoint).toBeNull();
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      const exported = JSON.parse(lines[0]) as { seq: number; hash: string; period: string };
      const [event] = await api.dataSource.query<{ hash: string }[]>(
        `SELECT hash FROM audit_events WHERE stream = 'system' AND seq = $1`,
        [exported.seq],
      );
      expect(event.hash).toBe(exported.hash);
      // The next period writes the next one
      api.clock.advance(3_600_000);
      expect((await job.run()).checkpoint?.period).not.toBe(exported.period);
      const restore = await saved(id);
      await asOwner(async (m) => {
        await m.query(`DELETE FROM audit_events WHERE stream = $1`, [id]);
        await m.query(`DELETE FROM audit_streams WHERE stream = $1`, [id]);
      });
      expect((await verify()).broken).toEqual(expect.objectContaining({ stream: id }));
      await restore();
      expect((await verify()).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
