import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/error-response.dto.js';
import { Public } from '../auth/public.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import { HealthDto } from './dto/health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    summary: 'Readiness: PostgreSQL (SELECT 1) and Redis (PING)',
    description: '503 naming the failed check(s) in the message and details.',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrors(503)
  async check(): Promise<HealthDto> {
    const checks = await this.health.check();
    const down = checks.filter((check) => check.status === 'down');
    if (down.length > 0) {
      throw new HttpProblem(
        HttpStatus.SERVICE_UNAVAILABLE,
        `服务暂时不可用：${down.map((check) => check.check).join('、')} 无法连接`,
        checks,
        'SERVICE_UNAVAILABLE',
      );
    }
    return { status: 'ok', checks };
  }
}
