import type { BehaviourTable } from './behaviour.js';
import { callActivity } from './call-activity.js';
import { endEvent } from './end-event.js';
import { exclusiveGateway } from './exclusive-gateway.js';
import { inclusiveGateway } from './inclusive-gateway.js';
import { intermediateCatchEvent } from './intermediate-catch-event.js';
import { parallelGateway } from './parallel-gateway.js';
import { passThrough } from './pass-through.js';
import { serviceTask } from './service-task.js';
import { subProcess } from './sub-process.js';
import { userTask } from './user-task.js';

/** One behaviour per element kind; the compiler refuses every kind not listed here. */
export const BEHAVIOURS: BehaviourTable = {
  startEvent: passThrough,
  endEvent,
  intermediateThrowEvent: passThrough,
  intermediateCatchEvent,
  boundaryEvent: passThrough,
  userTask,
  serviceTask,
  task: passThrough,
  subProcess,
  callActivity,
  exclusiveGateway,
  parallelGateway,
  inclusiveGateway,
};

export { multiInstanceBody } from './multi-instance.js';
