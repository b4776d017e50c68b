import { DataSource } from 'typeorm';
import { InitialSchema1795000000000 } from '../../../migrations/1795000000000-InitialSchema.js';
import { TokensView1795100000000 } from '../../../migrations/1795100000000-TokensView.js';
import { Organisation1795200000000 } from '../../../migrations/1795200000000-Organisation.js';
import { Ledger1795300000000 } from '../../../migrations/1795300000000-Ledger.js';
import { TasksInstanceIndex1795400000000 } from '../../../migrations/1795400000000-TasksInstanceIndex.js';
import { StepIndexes1795500000000 } from '../../../migrations/1795500000000-StepIndexes.js';
import { StepExpectFresh1795600000000 } from '../../../migrations/1795600000000-StepExpectFresh.js';
import { PartialIndexesWithoutNulls1795700000000 } from '../../../migrations/1795700000000-PartialIndexesWithoutNulls.js';
import { LedgerItemsHotUpdates1795800000000 } from '../../../migrations/1795800000000-LedgerItemsHotUpdates.js';
import { BusinessKeyPerOrgUnit1795900000000 } from '../../../migrations/1795900000000-BusinessKeyPerOrgUnit.js';
import { NotificationReads1796000000000 } from '../../../migrations/1796000000000-NotificationReads.js';
import { AuditCheckpoints1796200000000 } from '../../../migrations/1796200000000-AuditCheckpoints.js';
import { PeopleAndOrganisation1796500000000 } from '../../../migrations/1796500000000-PeopleAndOrganisation.js';
import { OrgUnitChannels1796900000000 } from '../../../migrations/1796900000000-OrgUnitChannels.js';
import { Accounts1796700000000 } from '../../../migrations/1796700000000-Accounts.js';
import { LedgerItemsByInstance1797000000000 } from '../../../migrations/1797000000000-LedgerItemsByInstance.js';
import { ApprovalAuthority1797100000000 } from '../../../migrations/1797100000000-ApprovalAuthority.js';
import { DeploymentForms1797300000000 } from '../../../migrations/1797300000000-DeploymentForms.js';
import { InstancesByStart1797350000000 } from '../../../migrations/1797350000000-InstancesByStart.js';
import { BulkStarts1798200000000 } from '../../../migrations/1798200000000-BulkStarts.js';
import { TasksListKeyset1798100000000 } from '../../../migrations/1798100000000-TasksListKeyset.js';
import { LedgerRollupCounters1798000000000 } from '../../../migrations/1798000000000-LedgerRollupCounters.js';
import { LedgerRollupWithoutJit1798300000000 } from '../../../migrations/1798300000000-LedgerRollupWithoutJit.js';
import { LedgerOverdueBoard1798400000000 } from '../../../migrations/1798400000000-LedgerOverdueBoard.js';
import { LedgerRollupStocks1798500000000 } from '../../../migrations/1798500000000-LedgerRollupStocks.js';
import { ChannelDeliveriesUnfinished1798600000000 } from '../../../migrations/1798600000000-ChannelDeliveriesUnfinished.js';
import { LedgerRollupDueToday1798700000000 } from '../../../migrations/1798700000000-LedgerRollupDueToday.js';
import { OrgUnitParentFunction1798800000000 } from '../../../migrations/1798800000000-OrgUnitParentFunction.js';
import { LedgerRollupRefreshCached1798900000000 } from '../../../migrations/1798900000000-LedgerRollupRefreshCached.js';
import { LedgerRollupDeferredRefresh1799000000000 } from '../../../migrations/1799000000000-LedgerRollupDeferredRefresh.js';
import { TasksColumnsFromWriter1799100000000 } from '../../../migrations/1799100000000-TasksColumnsFromWriter.js';
import { LedgerEntriesNotedPerRow1799200000000 } from '../../../migrations/1799200000000-LedgerEntriesNotedPerRow.js';
import { LedgerItemsNotedWhenFactsMove1799300000000 } from '../../../migrations/1799300000000-LedgerItemsNotedWhenFactsMove.js';

/** Every migration, in order (listed, not globbed: the same list for the app, CLI and tests). */
export const MIGRATIONS = [
  InitialSchema1795000000000,
  TokensView1795100000000,
  Organisation1795200000000,
  Ledger1795300000000,
  TasksInstanceIndex1795400000000,
  StepIndexes1795500000000,
  StepExpectFresh1795600000000,
  PartialIndexesWithoutNulls1795700000000,
  LedgerItemsHotUpdates1795800000000,
  BusinessKeyPerOrgUnit1795900000000,
  NotificationReads1796000000000,
  AuditCheckpoints1796200000000,
  PeopleAndOrganisation1796500000000,
  OrgUnitChannels1796900000000,
  Accounts1796700000000,
  LedgerItemsByInstance1797000000000,
  ApprovalAuthority1797100000000,
  DeploymentForms1797300000000,
  InstancesByStart1797350000000,
  LedgerRollupCounters1798000000000,
  TasksListKeyset1798100000000,
  BulkStarts1798200000000,
  LedgerRollupWithoutJit1798300000000,
  LedgerOverdueBoard1798400000000,
  LedgerRollupStocks1798500000000,
  ChannelDeliveriesUnfinished1798600000000,
  LedgerRollupDueToday1798700000000,
  OrgUnitParentFunction1798800000000,
  LedgerRollupRefreshCached1798900000000,
  LedgerRollupDeferredRefresh1799000000000,
  TasksColumnsFromWriter1799100000000,
  LedgerEntriesNotedPerRow1799200000000,
  LedgerItemsNotedWhenFactsMove1799300000000,
];

/** The one DataSource definition shared by the apps, `npm run db:migrate` and the tests. */
export function createDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    // No entities: every table is read and written with SQL by its repository in libs/
    entities: [],
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    poolSize: options.poolSize ?? 10,
    // No JIT compilation on the product's connections: its statements are short, and the
    // planner's cost estimate (which decides on JIT) overshoots on the roll-ups' path joins —
    // the committee's roll-up spent 1.47 s of 1.57 s compiling (auto_explain, 1,000 branches).
    // The roll-up trigger's function carries the same setting for any other client
    // (migration LedgerRollupWithoutJit).
    extra: { options: '-c jit=off' },
  });
}
