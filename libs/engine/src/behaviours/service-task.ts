import type { ServiceTaskNode } from '@app/bpmn';
import { IncidentError } from '../errors.js';
import type { Behaviour } from './behaviour.js';
import { AttributeReader } from './values.js';

/**
 * Service task: creates a job of its zeebe:taskDefinition type for a handler outside the
 * engine, and completes when the handler reports back (the completeTask command).
 */
export const serviceTask: Behaviour<ServiceTaskNode> = {
  activate(run, instance, node) {
    const read = new AttributeReader(run, instance.key, node.id);
    const jobType = read.string('zeebe:taskDefinition type', node.jobType);
    if (jobType === null || jobType === '') {
      throw new IncidentError(`the job type of '${node.id}' evaluated to nothing`);
    }
    run.createTask({
      key: run.nextKey(),
      kind: 'service',
      elementId: node.id,
      elementInstanceKey: instance.key,
      processRef: instance.processRef,
      name: node.name,
      createdAt: run.now,
      assignee: null,
      candidateGroups: [],
      candidateUsers: [],
      dueAt: null,
      followUpAt: null,
      formKey: null,
      formId: null,
      priority: null,
      jobType,
      retries: read.number('zeebe:taskDefinition retries', node.retries),
      headers: node.headers,
    });
  },
};
