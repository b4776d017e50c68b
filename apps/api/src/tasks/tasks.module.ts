import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module.js';
import { FormRegistry } from './forms/form-registry.service.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

@Module({
  imports: [InstancesModule],
  controllers: [TasksController],
  providers: [TasksService, FormRegistry],
  exports: [FormRegistry],
})
export class TasksModule {}
