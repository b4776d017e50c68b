import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointExportError, verifyAudit } from '@app/audit';
import { loadEnv } from '@app/config';
import type { DataSource } from 'typeorm';
import { AuditCheckpointService } from '../../apps/worker/src/maintenance/audit-checkpoint.service.js';
import { TestClock, isolatedDatabase, testDataSource } from '../support/database.js';
import { HttpRobot, OK } from '../worker/support/http-robot.js';

/**
 * Issue 13, finding 5: the checkpoint the worker takes each AUDIT_CHECKPOINT_EVERY is only
 * worth something off the machine. Its export to AUDIT_CHECKPOINT_WEBHOOK, against local HTTP
 * servers: one POST per period with the same record as the file's line; a failing webhook
 * fails the job, naming the target and never the URL, and loses nothing in the database (the
 * next period's checkpoint, which chains it, is exported); the request is bounded (no redirect
 * followed, no answer read past a few hundred bytes, a timeout).
 *
 * A database of its own: checkpoint periods are global to a database.
 */
const HOUR = 3_600_000;

/** A server whose paths misbehave in the ways a robot never does. */
class HostileServer {
  readonly hits: string[] = [];
  private server: Server | null = null;
  private port = 0;

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.hits.push(path);
    req.resume();
    req.on('end', () => {
      switch (path) {
        case '/redirect':
          res.writeHead(307, { location: this.url('/elsewhere') });
          res.end();
          return;
        case '/endless-ok':
        case '/endless-refusal': {
          res.writeHead(path === '/endless-ok' ? 200 : 500, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 'x');
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
        case '/silent':
          return; // never answers
        default:
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(OK));
      }
    });
  }
}

describe('audit checkpoint export to a webhook', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let dir: string;
  let file: string;
  const clock = new TestClock(Date.UTC(2031, 0, 1));
  const robot = new HttpRobot();
  const hostile = new HostileServer();

  beforeAll(async () => {
    db = await isolatedDatabase('audit_export');
    dataSource = await testDataSource(2, db.url);
    dir = await mkdtemp(join(tmpdir(), 'branchflow-checkpoint-export-'));
    file = join(dir, 'checkpoints.jsonl');
    await robot.start();
    await hostile.start();
  });

  afterEach(() => {
    clock.advance(HOUR); // each test in a period of its own
  });

  afterAll(async () => {
    await robot.stop();
    await hostile.stop();
    await rm(dir, { recursive: true, force: true });
    await dataSource?.destroy();
    await db?.drop();
  });

  const job = (env: Record<string, string>) =>
    new AuditCheckpointService(
      dataSource,
      clock,
      loadEnv({ DATABASE_URL: db.url, AUDIT_CHECKPOINT_FILE: file, ...env }),
    );

  const lines = async () =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  const systemEvent = async (seq: number) =>
    (
      await dataSource.query<{ hash: string; type: string }[]>(
        `SELECT hash, type FROM audit_events WHERE stream = 'system' AND seq = $1`,
        [seq],
      )
    )[0];

  const recorded = async (period: string) =>
    (
      await dataSource.query<{ seq: number }[]>(
        `SELECT seq FROM audit_checkpoints WHERE period = $1`,
        [period],
      )
    )[0];

  /** Runs the job expecting its export to fail; answers the error. */
  const failing = async (env: Record<string, string>): Promise<CheckpointExportError> => {
    const error = await job(env)
      .run()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(CheckpointExportError);
    return error as CheckpointExportError;
  };

  it('POSTs the checkpoint once per period, the same record as the file’s line; a rerun posts nothing', async () => {
    robot.on('/checkpoints', () => ({ status: 200, body: OK }));
    const webhook = { AUDIT_CHECKPOINT_WEBHOOK: robot.url('/checkpoints') };
    const before = (await lines()).length;
    const first = await job(webhook).run();
    const rerun = await job(webhook).run();
    expect(first.checkpoint).toEqual(expect.objectContaining({ digest: expect.any(String) }));
    expect(rerun.checkpoint).toBeNull();
    const posted = robot.requestsTo('/checkpoints');
    expect(posted).toHaveLength(1);
    const line = (await lines()).slice(before);
    expect(line).toHaveLength(1);
    expect(posted[0].body).toEqual(line[0]);
    expect(posted[0].body).toEqual({ type: 'audit.checkpoint', ...first.checkpoint });
    const { seq, hash } = posted[0].body as { seq: number; hash: string };
    expect(await systemEvent(seq)).toEqual({ hash, type: 'audit.checkpoint' });
    // The next period posts the next one
    clock.advance(HOUR);
    const next = await job(webhook).run();
    expect(robot.requestsTo('/checkpoints')).toHaveLength(2);
    expect(robot.requestsTo('/checkpoints')[1].body).toEqual(
      expect.objectContaining({ seq: next.checkpoint!.seq, period: next.checkpoint!.period }),
    );
    expect(next.checkpoint!.seq).toBeGreaterThan(seq);
  });

  it('a webhook answering 500, or refusing the connection: the job fails naming it (not its URL), the checkpoint stays in the database and the file; the next period’s, which chains it, is posted', async () => {
    // (the robot matches the path without its query; the key is in the query)
    robot.on('/down', () => ({ status: 500, body: { message: 'internal error' } }));
    const down = robot.url('/down?key=secret-key');
    const before = (await lines()).length;
    const refused = await failing({ AUDIT_CHECKPOINT_WEBHOOK: down });
    expect(refused.message).toMatch(/AUDIT_CHECKPOINT_WEBHOOK: HTTP 500: .*internal error/);
    expect(refused.message).not.toContain('secret-key');
    expect(refused.message).not.toContain('127.0.0.1');
    const missed = refused.checkpoint;
    expect(await recorded(missed.period)).toEqual({ seq: missed.seq });
    expect((await systemEvent(missed.seq)).hash).toBe(missed.hash);
    // The file, the other target, still has its line
    expect((await lines()).slice(before)).toEqual([{ type: 'audit.checkpoint', ...missed }]);
    // A rerun in the period writes and posts nothing more
    expect((await job({ AUDIT_CHECKPOINT_WEBHOOK: down }).run()).checkpoint).toBeNull();
    expect(robot.requestsTo('/down')).toHaveLength(1);

    // Connection refused: a port nobody listens on
    const closed = new HttpRobot();
    await closed.start();
    const nobody = closed.url('/checkpoints');
    await closed.stop();
    clock.advance(HOUR);
    const unreachable = await failing({ AUDIT_CHECKPOINT_WEBHOOK: nobody });
    expect(unreachable.message).toMatch(/AUDIT_CHECKPOINT_WEBHOOK: request failed: ECONNREFUSED/);
    expect(await recorded(unreachable.checkpoint.period)).toEqual({
      seq: unreachable.checkpoint.seq,
    });

    // The webhook back: the next period's checkpoint is posted and chains the missed ones
    robot.on('/back', () => ({ status: 200, body: OK }));
    clock.advance(HOUR);
    const next = await job({ AUDIT_CHECKPOINT_WEBHOOK: robot.url('/back') }).run();
    expect(robot.requestsTo('/back')).toHaveLength(1);
    expect(next.checkpoint!.seq).toBeGreaterThan(unreachable.checkpoint.seq);
    expect(await verifyAudit(dataSource.manager, { stream: 'system' })).toEqual(
      expect.objectContaining({ ok: true, broken: null }),
    );
  });

  it('a redirect is not followed: the export fails and the other address hears nothing', async () => {
    const error = await failing({ AUDIT_CHECKPOINT_WEBHOOK: hostile.url('/redirect') });
    expect(error.message).toMatch(
      /AUDIT_CHECKPOINT_WEBHOOK: HTTP 307: a redirect, which is not followed/,
    );
    expect(hostile.hits).not.toContain('/elsewhere');
  });

  it('an answer that never ends is not read: a 2xx is taken at its status, a refusal quoted in a few hundred bytes', async () => {
    const started = Date.now();
    const ok = await job({
      AUDIT_CHECKPOINT_WEBHOOK: hostile.url('/endless-ok'),
      AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS: '3000',
    }).run();
    expect(ok.checkpoint).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(2500);

    clock.advance(HOUR);
    const refused = await failing({
      AUDIT_CHECKPOINT_WEBHOOK: hostile.url('/endless-refusal'),
      AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS: '3000',
    });
    expect(refused.message).toMatch(/AUDIT_CHECKPOINT_WEBHOOK: HTTP 500: x{100,}/);
    expect(refused.message.length).toBeLessThan(500);
  });

  it('a webhook that never answers is given up after AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS', async () => {
    const started = Date.now();
    const error = await failing({
      AUDIT_CHECKPOINT_WEBHOOK: hostile.url('/silent'),
      AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS: '300',
    });
    expect(error.message).toMatch(/AUDIT_CHECKPOINT_WEBHOOK: no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await recorded(error.checkpoint.period)).toEqual({ seq: error.checkpoint.seq });
  });
});
