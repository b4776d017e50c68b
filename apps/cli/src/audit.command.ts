import { parseArgs } from 'node:util';
import {
  CheckpointExportError,
  auditStreamRecorded,
  checkpointEveryMs,
  checkpointExport,
  checkpointRecord,
  takeCheckpoint,
  verifyAudit,
} from '@app/audit';
import { LedgerStore } from '@app/ledger';
import { OPERATOR_ACTOR } from '@app/org';
import { InstancesRepository, systemClock } from '@app/store';
import { withDatabase } from './database.js';

export const AUDIT_USAGE = 'usage: cli audit verify [--stream STREAM] | cli audit checkpoint';

/** A stream's name: `system`, an instance id, or `ledger:<item id>`. */
const STREAM = /^(system|(ledger:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function refuse(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

/**
 * `audit verify [--stream STREAM]`: recomputes the whole trail (or one stream) as
 * `GET /api/audit/verify` does and prints its answer as one JSON line; exit 0 when ok, 1 when
 * a link is broken, 2 on bad input (an unknown stream among them).
 * `audit checkpoint`: takes the checkpoint of the current period now (once per period, as the
 * worker's job), exports it like the worker and prints its record as one JSON line.
 */
export async function auditCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') return verify(rest);
  if (sub === 'checkpoint') return checkpoint(rest);
  return refuse(
    sub === undefined ? AUDIT_USAGE : `unknown audit command '${sub}' (${AUDIT_USAGE})`,
  );
}

async function verify(args: readonly string[]): Promise<number> {
  let stream: string | undefined;
  try {
    ({
      values: { stream },
    } = parseArgs({
      args: [...args],
      options: { stream: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return refuse(`${(error as Error).message} (${AUDIT_USAGE})`);
  }
  if (stream !== undefined && !STREAM.test(stream)) {
    return refuse(
      `--stream '${stream}' is not an audit stream: an instance id, ledger:<item id> or system`,
    );
  }
  return withDatabase(async ({ dataSource, env }) => {
    if (stream !== undefined && !(await auditStreamRecorded(dataSource.manager, stream))) {
      // Every trace deleted: still a stream (broken) while its instance or ledger item exists
      const [, item] = /^ledger:(.*)$/i.exec(stream) ?? [];
      const owner =
        item !== undefined
          ? await new LedgerStore(dataSource, systemClock, {
              yellowDays: env.LEDGER_YELLOW_DAYS,
              graceDays: env.LEDGER_GRACE_DAYS,
              timeZone: env.TIME_ZONE,
            }).orgUnitOf(item)
          : await new InstancesRepository(dataSource).orgUnitOf(stream);
      if (owner === null) return refuse(`no audit stream '${stream}'`);
    }
    const result = await verifyAudit(dataSource.manager, stream === undefined ? {} : { stream });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  });
}

async function checkpoint(args: readonly string[]): Promise<number> {
  if (args.length > 0) return refuse(`unexpected '${args[0]}' (${AUDIT_USAGE})`);
  return withDatabase(async ({ dataSource, env }) => {
    try {
      const { taken, checkpoint } = await takeCheckpoint(dataSource, {
        at: systemClock.now(),
        everyMs: checkpointEveryMs(env),
        actor: OPERATOR_ACTOR,
        export: checkpointExport(env),
      });
      process.stdout.write(`${JSON.stringify(checkpointRecord(checkpoint))}\n`);
      if (!taken) {
        process.stderr.write(
          `period ${checkpoint.period} was already checkpointed: nothing written or exported\n`,
        );
      }
      return 0;
    } catch (error) {
      if (!(error instanceof CheckpointExportError)) throw error;
      // Written but not exported: print it (it is in the database) and fail
      process.stdout.write(`${JSON.stringify(checkpointRecord(error.checkpoint))}\n`);
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
  });
}
