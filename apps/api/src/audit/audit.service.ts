import { verifyAudit } from '@app/audit';
import { DATA_SOURCE } from '@app/runtime';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AuditVerificationDto } from './dto/audit-verification.dto.js';

@Injectable()
export class AuditService {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Recomputes the hash chains (all, or one stream) and names the first broken link. */
  async verify(stream?: string): Promise<AuditVerificationDto> {
    const result = await verifyAudit(
      this.dataSource.manager,
      stream === undefined ? {} : { stream },
    );
    return {
      ok: result.ok,
      streams: result.streams,
      events: result.events,
      broken: result.broken && { ...result.broken },
    };
  }
}
