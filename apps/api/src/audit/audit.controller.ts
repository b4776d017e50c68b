import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { AuditService } from './audit.service.js';
import { AuditVerificationDto, VerifyAuditQueryDto } from './dto/audit-verification.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the audit trail',
    description:
      'Recomputes the hash chains in order, checks that each stream ends at its head and ' +
      'reaches its checkpoint anchor, and (whole trail) that the anchors match the latest ' +
      'checkpoint; names the first broken link. Answers 200 either way: `ok: false` with ' +
      '`broken` when the trail was tampered with. The whole trail and the `system` stream: a ' +
      'supervisor of a committee (root unit) only (403 / 404). One instance’s stream: whoever ' +
      'reads the instance; for anyone else it is absent (404, as for an unknown stream).',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  @ApiErrors(400, 401, 403, 404)
  async verify(
    @Query() query: VerifyAuditQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AuditVerificationDto> {
    return this.audit.verify(caller, query.stream);
  }
}
