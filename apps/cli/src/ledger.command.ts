import { LedgerStore } from '@app/ledger';
import { systemClock } from '@app/store';
import { withDatabase } from './database.js';

export const LEDGER_USAGE = 'usage: cli ledger recount';

/**
 * `ledger recount`: recounts every ledger item's roll-up facts and the supervisor's roll-up
 * counters from the items (with TIME_ZONE and LEDGER_GRACE_DAYS), repairs what drifted and
 * prints one JSON line per counter it mended, then a summary line; exit 0 either way.
 */
export async function ledgerCommand(args: readonly string[]): Promise<number> {
  const [sub] = args;
  if (sub !== 'recount') {
    process.stderr.write(
      `${sub === undefined ? LEDGER_USAGE : `unknown ledger command '${sub}' (${LEDGER_USAGE})`}\n`,
    );
    return 2;
  }
  return withDatabase(async ({ dataSource, env }) => {
    const store = new LedgerStore(dataSource, systemClock, {
      yellowDays: env.LEDGER_YELLOW_DAYS,
      graceDays: env.LEDGER_GRACE_DAYS,
      timeZone: env.TIME_ZONE,
    });
    const repairs = await store.recountCounters();
    for (const repair of repairs) process.stdout.write(`${JSON.stringify(repair)}\n`);
    process.stdout.write(`${JSON.stringify({ repaired: repairs.length })}\n`);
    return 0;
  });
}
