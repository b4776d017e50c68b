import { MembersRepository, UnitsRepository } from '@app/org';
import { CLOCK, DATA_SOURCE } from '@app/runtime';
import type { Clock } from '@app/store';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ImportController } from './import.controller.js';
import { ImportService } from './import.service.js';
import { MembersController } from './members.controller.js';
import { MembersService } from './members.service.js';
import { OrgAccess } from './org-access.js';
import { OrgUnitsController } from './org-units.controller.js';
import { OrgUnitsService } from './org-units.service.js';

/** Administering the organisation: org units and members (issue 14). */
@Module({
  controllers: [OrgUnitsController, MembersController, ImportController],
  providers: [
    {
      provide: UnitsRepository,
      inject: [DATA_SOURCE, CLOCK],
      useFactory: (dataSource: DataSource, clock: Clock) => new UnitsRepository(dataSource, clock),
    },
    {
      provide: MembersRepository,
      inject: [DATA_SOURCE, CLOCK],
      useFactory: (dataSource: DataSource, clock: Clock) =>
        new MembersRepository(dataSource, clock),
    },
    OrgAccess,
    OrgUnitsService,
    MembersService,
    ImportService,
  ],
})
export class OrgModule {}
