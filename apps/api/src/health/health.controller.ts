import { Controller, Get } from '@nestjs/common';

@Controller('health')
export class HealthController {
  /** Liveness. (PostgreSQL and Redis checks arrive with the durable runtime.) */
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
