import { DEFAULT_TIMER_LIMITS, type TimerLimits, checkCycleLimits, parseCycle } from '@app/time';
import type { ModdleElement } from './parse.js';

/**
 * Null when the static timeCycle `text` of `owner` keeps to the timer limits, else one line
 * naming the limit (see checkCycleLimits of @app/time). A malformed cycle is reported by the
 * syntax check, not here.
 *
 * "May wait for ever": a non-interrupting boundary timer repeats for as long as its activity
 * waits, and nothing bounds how long a user task waits for a person; unless the activity, or a
 * sub-process around it, has an interrupting timer boundary event (a deadline), which ends the
 * activity and its cycles with it. A call activity's process is not known here, so a called
 * process's timers are taken as waiting for ever (the engine, at run time, sees the caller).
 * A timer start event fires once per instance, whatever its cycle.
 */
export function cycleLimitProblem(
  owner: ModdleElement,
  text: string,
  limits: TimerLimits = DEFAULT_TIMER_LIMITS,
): string | null {
  let cycle;
  try {
    cycle = parseCycle(text);
  } catch {
    return null;
  }
  return checkCycleLimits(text, cycle, limits, mayWaitForEver(owner));
}

function mayWaitForEver(owner: ModdleElement): boolean {
  if (owner.$type !== 'bpmn:BoundaryEvent' || owner.cancelActivity !== false) return false;
  for (
    let activity = owner.attachedToRef as ModdleElement | undefined;
    activity && activity.$type !== 'bpmn:Process';
    activity = activity.$parent
  ) {
    if (hasDeadline(activity)) return false;
  }
  return true;
}

function hasDeadline(activity: ModdleElement): boolean {
  const siblings = activity.$parent?.flowElements;
  if (!Array.isArray(siblings)) return false;
  return (siblings as ModdleElement[]).some(
    (element) =>
      element.$type === 'bpmn:BoundaryEvent' &&
      element.attachedToRef === activity &&
      element.cancelActivity !== false &&
      Array.isArray(element.eventDefinitions) &&
      (element.eventDefinitions as ModdleElement[]).some(
        (definition) => definition.$type === 'bpmn:TimerEventDefinition',
      ),
  );
}
