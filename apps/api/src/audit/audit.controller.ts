import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/error-response.dto.js';
import { AuditService } from './audit.service.js';
import { AuditVerificationDto, VerifyAuditQueryDto } from './dto/audit-verification.dto.js';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the audit trail',
    description:
      'Recomputes every hash chain in order and names the first broken link. Answers 200 ' +
      'either way: `ok: false` with `broken` when the trail was tampered with.',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  @ApiErrors(400)
  verify(@Query() query: VerifyAuditQueryDto): Promise<AuditVerificationDto> {
    return this.audit.verify(query.stream);
  }
}
