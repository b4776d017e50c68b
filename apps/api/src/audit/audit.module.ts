import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

@Module({ imports: [LedgerModule], controllers: [AuditController], providers: [AuditService] })
export class AuditModule {}
