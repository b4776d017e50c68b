import type { ProcessGraph } from './model.js';
import { type BpmnProblem, problem } from './problems.js';

/**
 * The service-task types the worker handles out of the box (its built-in handlers). Deploy
 * accepts these and the ones SERVICE_TASK_TYPES names (integrations' own handlers); `cli lint`
 * these and those given with `--service-task-types`.
 */
export const BUILT_IN_SERVICE_TASK_TYPES = [
  'notify-members',
  'member-status',
  'notify',
  'noop',
] as const;

export type BuiltInServiceTaskType = (typeof BUILT_IN_SERVICE_TASK_TYPES)[number];

/** Known types shown in a problem at most (the rest counted). */
const TYPES_SHOWN = 20;

/**
 * A problem for each service task whose static `zeebe:taskDefinition type` is not `known`: no
 * handler would ever take its job, so it would end in an incident at run time. A type computed
 * by FEEL (`=…`) is left to run time.
 */
export function unknownServiceTaskTypes(
  processes: Readonly<Record<string, ProcessGraph>>,
  known: ReadonlySet<string>,
): BpmnProblem[] {
  const sorted = [...known].sort();
  const shown = sorted.slice(0, TYPES_SHOWN).join(', ');
  const more = sorted.length > TYPES_SHOWN ? ` and ${sorted.length - TYPES_SHOWN} more` : '';
  const problems: BpmnProblem[] = [];
  for (const graph of Object.values(processes)) {
    for (const node of Object.values(graph.nodes)) {
      if (node.kind !== 'serviceTask' || node.jobType.trimStart().startsWith('=')) continue;
      if (known.has(node.jobType)) continue;
      problems.push(
        problem(
          node.id,
          'bpmn:ServiceTask',
          `zeebe:taskDefinition type '${node.jobType.slice(0, 100)}' has no handler: the known service-task types are ${shown || '(none)'}${more} (an integration's own type must be listed in SERVICE_TASK_TYPES)`,
        ),
      );
    }
  }
  return problems;
}
