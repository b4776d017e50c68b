import type { SequenceFlow } from '@app/bpmn';
import { FeelError, type JsonValue } from '@app/feel';
import { IncidentError } from '../errors.js';
import type { Run } from '../run.js';

/** A flow without a condition is always taken; a condition that fails is an incident. */
export function conditionHolds(
  run: Run,
  flow: SequenceFlow | undefined,
  scope: Record<string, JsonValue>,
): boolean {
  if (!flow) return false;
  if (flow.condition === null) return true;
  try {
    return run.evaluateCondition(flow.condition, scope);
  } catch (error) {
    if (error instanceof FeelError) {
      throw new IncidentError(`condition of sequence flow '${flow.id}' failed: ${error.message}`);
    }
    throw error;
  }
}
