import type { UserTaskNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';
import { AttributeReader } from './values.js';

/**
 * User task: opens a task for people (assignee / candidate groups / candidate users, due and
 * follow-up dates, form) and waits for its completion. The assignment expressions see the
 * element's own variables, so a multi-instance element variable can pick the assignee.
 */
export const userTask: Behaviour<UserTaskNode> = {
  activate(run, instance, node) {
    const read = new AttributeReader(run, instance.key, node.id);
    // An inner instance of a multi-instance task: the item it is for, when that is text
    const inputElement = node.multiInstance?.inputElement;
    const item =
      instance.loopCounter !== undefined && inputElement
        ? run.variables[instance.key]?.[inputElement]
        : undefined;
    run.createTask({
      ...(typeof item === 'string' && item.length <= 200 ? { loopItem: item } : {}),
      key: run.nextKey(),
      kind: 'user',
      elementId: node.id,
      elementInstanceKey: instance.key,
      processRef: instance.processRef,
      name: node.name,
      createdAt: run.now,
      assignee: read.string('assignee', node.assignee),
      candidateGroups: read.list('candidateGroups', node.candidateGroups),
      candidateUsers: read.list('candidateUsers', node.candidateUsers),
      dueAt: read.instant('dueDate', node.dueDate),
      followUpAt: read.instant('followUpDate', node.followUpDate),
      formKey: node.formKey,
      formId: node.formId,
      priority: read.number('priority', node.priority),
      jobType: null,
      retries: null,
      headers: {},
    });
  },
};
