import type { Env } from '@app/config';
import { LedgerStore } from '@app/ledger';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LedgerRollupController } from './ledger-rollup.controller.js';
import { LedgerRollupService } from './ledger-rollup.service.js';
import { LedgerController } from './ledger.controller.js';
import { LedgerService } from './ledger.service.js';

/** The 挂账销号 ledger: items, their life, supervisor views and exports. */
@Module({
  controllers: [LedgerController, LedgerRollupController],
  providers: [
    {
      provide: LedgerStore,
      inject: [DATA_SOURCE, CLOCK, ENV],
      useFactory: (dataSource: DataSource, clock: Clock, env: Env) =>
        new LedgerStore(dataSource, clock, {
          yellowDays: env.LEDGER_YELLOW_DAYS,
          graceDays: env.LEDGER_GRACE_DAYS,
          timeZone: env.TIME_ZONE,
        }),
    },
    LedgerService,
    LedgerRollupService,
  ],
  exports: [LedgerStore],
})
export class LedgerModule {}
