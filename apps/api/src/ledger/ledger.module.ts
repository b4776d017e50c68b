import type { Env } from '@app/config';
import { LedgerStore } from '@app/ledger';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LedgerController } from './ledger.controller.js';
import { LedgerService } from './ledger.service.js';

/** The 挂账销号 ledger: items, their life, supervisor views and exports. */
@Module({
  controllers: [LedgerController],
  providers: [
    {
      provide: LedgerStore,
      inject: [DATA_SOURCE, CLOCK, ENV],
      useFactory: (dataSource: DataSource, clock: Clock, env: Env) =>
        new LedgerStore(dataSource, clock, {
          yellowDays: env.LEDGER_YELLOW_DAYS,
          graceDays: env.LEDGER_GRACE_DAYS,
        }),
    },
    LedgerService,
  ],
})
export class LedgerModule {}
