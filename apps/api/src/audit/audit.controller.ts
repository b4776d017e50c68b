import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessService } from '../auth/access.service.js';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { AuditService } from './audit.service.js';
import { AuditVerificationDto, VerifyAuditQueryDto } from './dto/audit-verification.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly access: AccessService,
  ) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the audit trail',
    description:
      'Recomputes every hash chain in order and names the first broken link. Answers 200 ' +
      'either way: `ok: false` with `broken` when the trail was tampered with. Supervisors and ' +
      'integrators only (403).',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  @ApiErrors(400, 401, 403)
  async verify(
    @Query() query: VerifyAuditQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AuditVerificationDto> {
    await this.access.assertRole(caller, ['supervisor', 'integrator'], 'verifying the audit trail');
    return this.audit.verify(query.stream);
  }
}
