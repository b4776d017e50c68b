import { Module } from '@nestjs/common';
import { BulkStartsService } from './bulk-starts.service.js';
import { InstancesController } from './instances.controller.js';
import { InstancesService } from './instances.service.js';

@Module({
  controllers: [InstancesController],
  providers: [InstancesService, BulkStartsService],
  exports: [InstancesService],
})
export class InstancesModule {}
