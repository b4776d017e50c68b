import { type FeelLimits, checkExpression, isExpression, stripExpressionMarker } from '@app/feel';
import { type TimerLimits, checkTimerExpression, parseDateTime, parseDuration } from '@app/time';
import type { IoMapping, Mapping, MultiInstance, TimerDefinition, TimerKind } from './model.js';
import type { ModdleElement, UnresolvedReference } from './parse.js';
import { type BpmnProblem, problem } from './problems.js';
import { cycleLimitProblem } from './timer-limits.js';

/** Limits of what a template's FEEL and timers may ask for (defaults: those of @app/feel, @app/time). */
export interface ExpressionLimits {
  readonly feelLimits?: FeelLimits;
  readonly timerLimits?: TimerLimits;
}

/** What a per-type compile function gets: the problem list and readers for the moddle tree. */
export class CompileContext {
  readonly problems: BpmnProblem[] = [];

  private readonly unresolved = new Map<ModdleElement, Set<string>>();

  /** `unresolved`: references moddle could not resolve (already reported as problems). */
  constructor(
    unresolved: readonly UnresolvedReference[] = [],
    private readonly limits: ExpressionLimits = {},
  ) {
    for (const { element, property } of unresolved) {
      const properties = this.unresolved.get(element) ?? new Set<string>();
      properties.add(property);
      this.unresolved.set(element, properties);
    }
  }

  /** Whether a reference of `element` (e.g. `bpmn:targetRef`) named an id that does not exist. */
  isUnresolved(element: ModdleElement, property: string): boolean {
    return this.unresolved.get(element)?.has(property) ?? false;
  }

  report(element: ModdleElement, message: string): void {
    this.problems.push(problem(element.id ?? '-', element.$type, message));
  }

  /** The first extension element of a type, e.g. `zeebe:TaskDefinition`. */
  extension(element: ModdleElement, type: string): ModdleElement | undefined {
    return extensionValues(element).find((value) => value.$type === type);
  }

  /** A string attribute, or null when absent or blank. */
  attr(element: ModdleElement | undefined, name: string): string | null {
    const value = element?.[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
  }

  /**
   * Checks an attribute that may be FEEL (`=...`) or static; returns it unchanged.
   * `label` names the attribute in the message, e.g. `zeebe:assignmentDefinition assignee`.
   */
  valueOrExpression(element: ModdleElement, label: string, value: string | null): string | null {
    if (value !== null && isExpression(value))
      this.feel(element, label, stripExpressionMarker(value));
    return value;
  }

  /** Reports an invalid FEEL expression (given without the `=`). */
  feel(element: ModdleElement, label: string, expression: string): void {
    const error = checkExpression(expression, this.limits.feelLimits);
    if (error !== null) this.report(element, `${label} is not valid FEEL: ${error}`);
  }

  timer(owner: ModdleElement, definition: ModdleElement): TimerDefinition | null {
    const kinds: TimerKind[] = ['timeDate', 'timeDuration', 'timeCycle'];
    const present = kinds.filter((kind) => definition[kind] !== undefined);
    if (present.length !== 1) {
      this.report(
        owner,
        present.length === 0
          ? 'timer event has no timeDate, timeDuration or timeCycle'
          : `timer event has more than one of ${present.join(', ')}`,
      );
      return null;
    }
    const kind = present[0];
    const body = (definition[kind] as ModdleElement | undefined)?.body;
    const expression = typeof body === 'string' ? body.trim() : '';
    if (expression === '') {
      this.report(owner, `timer ${kind} is empty`);
      return null;
    }
    if (isExpression(expression)) {
      this.feel(owner, `timer ${kind}`, stripExpressionMarker(expression));
    } else {
      const error = checkTimerExpression(kind, expression);
      const over =
        kind === 'timeCycle' ? cycleLimitProblem(owner, expression, this.limits.timerLimits) : null;
      if (error !== null || over !== null) this.report(owner, (error ?? over) as string);
    }
    return { kind, expression };
  }

  /** zeebe:taskSchedule dueDate / followUpDate: FEEL, an ISO date-time, or an ISO duration. */
  schedule(element: ModdleElement, label: string, value: string | null): string | null {
    if (value === null) return null;
    if (isExpression(value)) {
      this.feel(element, label, stripExpressionMarker(value));
      return value;
    }
    if (!isDateTime(value) && !isDuration(value)) {
      this.report(
        element,
        `${label} "${value}" is neither an ISO-8601 date-time (2026-12-01T00:00:00+08:00) nor a duration (P5D), nor a FEEL expression`,
      );
    }
    return value;
  }

  ioMapping(element: ModdleElement): IoMapping | null {
    const io = this.extension(element, 'zeebe:IoMapping');
    if (!io) return null;
    const read = (list: unknown, kind: string): Mapping[] =>
      (Array.isArray(list) ? (list as ModdleElement[]) : []).flatMap((parameter) => {
        const source = this.attr(parameter, 'source');
        const target = this.attr(parameter, 'target');
        if (target === null) {
          this.report(element, `zeebe:${kind} mapping has no target`);
          return [];
        }
        if (source !== null && isExpression(source)) {
          this.feel(
            element,
            `zeebe:${kind} mapping for '${target}'`,
            stripExpressionMarker(source),
          );
        }
        return [{ source: source ?? '=null', target }];
      });
    return {
      inputs: read(io.inputParameters, 'input'),
      outputs: read(io.outputParameters, 'output'),
    };
  }

  multiInstance(element: ModdleElement): MultiInstance | null {
    const loop = element.loopCharacteristics as ModdleElement | undefined;
    if (!loop) return null;
    if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
      this.report(
        element,
        `${loop.$type} is not supported (use multi-instance with zeebe:loopCharacteristics)`,
      );
      return null;
    }
    const zeebe = this.extension(loop, 'zeebe:LoopCharacteristics');
    const inputCollection = this.attr(zeebe, 'inputCollection');
    if (inputCollection === null) {
      this.report(
        element,
        'multi-instance activity has no zeebe:loopCharacteristics inputCollection',
      );
      return null;
    }
    this.valueOrExpression(element, 'multi-instance inputCollection', inputCollection);
    const outputCollection = this.attr(zeebe, 'outputCollection');
    const outputElement = this.attr(zeebe, 'outputElement');
    if ((outputCollection === null) !== (outputElement === null)) {
      this.report(
        element,
        'multi-instance outputCollection and outputElement must be given together',
      );
    }
    this.valueOrExpression(element, 'multi-instance outputElement', outputElement);
    const conditionBody = (loop.completionCondition as ModdleElement | undefined)?.body;
    const completionCondition =
      typeof conditionBody === 'string' && conditionBody.trim() !== ''
        ? stripExpressionMarker(conditionBody.trim()).trim()
        : null;
    if (completionCondition !== null) {
      this.feel(element, 'multi-instance completionCondition', completionCondition);
    }
    return {
      sequential: loop.isSequential === true,
      inputCollection,
      inputElement: this.attr(zeebe, 'inputElement'),
      outputCollection,
      outputElement,
      completionCondition,
    };
  }
}

export function extensionValues(element: ModdleElement): ModdleElement[] {
  const values = (element.extensionElements as ModdleElement | undefined)?.values;
  return Array.isArray(values) ? (values as ModdleElement[]) : [];
}

function isDateTime(text: string): boolean {
  try {
    parseDateTime(text);
    return true;
  } catch {
    return false;
  }
}

function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
