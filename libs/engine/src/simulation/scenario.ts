import type { Variables } from '../state.js';

/** A scripted run of a process against a simulated clock (the CLI's `simulate` input). */
export interface Scenario {
  /** Process id; default: the only executable process. */
  readonly process?: string;
  readonly start: { readonly at: string; readonly variables?: Variables };
  readonly steps: readonly ScenarioStep[];
}

export type ScenarioStep =
  | { readonly complete: string; readonly variables?: Variables; readonly index?: number }
  | { readonly advance: string }
  | { readonly advanceTo: string };

/** A scenario that cannot be run as written; the message names the step and the problem. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Checks the shape of a parsed JSON scenario and says exactly what is wrong where. */
export function parseScenario(input: unknown): Scenario {
  if (!isObject(input)) throw new ScenarioError('the scenario must be a JSON object');
  allowOnly(input, ['process', 'start', 'steps'], 'the scenario');
  if (input.process !== undefined && typeof input.process !== 'string') {
    throw new ScenarioError('"process" must be a string (a process id)');
  }
  const start = input.start;
  if (!isObject(start)) throw new ScenarioError('"start" must be an object with "at"');
  allowOnly(start, ['at', 'variables'], '"start"');
  if (typeof start.at !== 'string') {
    throw new ScenarioError(
      '"start.at" must be an ISO-8601 date-time, e.g. 2026-03-02T09:00:00+08:00',
    );
  }
  if (start.variables !== undefined && !isObject(start.variables)) {
    throw new ScenarioError('"start.variables" must be an object');
  }
  const steps = input.steps ?? [];
  if (!Array.isArray(steps)) throw new ScenarioError('"steps" must be a list');
  steps.forEach((item: unknown, i) => checkStep(item, i + 1));
  return { ...input, steps } as unknown as Scenario;
}

function checkStep(item: unknown, n: number): void {
  const where = `step ${n}`;
  if (!isObject(item)) throw new ScenarioError(`${where} must be an object`);
  const kinds = ['complete', 'advance', 'advanceTo'].filter((key) => key in item);
  if (kinds.length !== 1) {
    throw new ScenarioError(
      `${where} must have exactly one of "complete", "advance", "advanceTo" (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`,
    );
  }
  const kind = kinds[0];
  if (kind === 'complete') {
    allowOnly(item, ['complete', 'variables', 'index'], where);
    if (typeof item.complete !== 'string')
      throw new ScenarioError(`${where}: "complete" must be an element id`);
    if (item.variables !== undefined && !isObject(item.variables)) {
      throw new ScenarioError(`${where}: "variables" must be an object`);
    }
    if (
      item.index !== undefined &&
      !(Number.isInteger(item.index) && (item.index as number) >= 0)
    ) {
      throw new ScenarioError(`${where}: "index" must be a whole number from 0`);
    }
    return;
  }
  allowOnly(item, [kind], where);
  if (typeof item[kind] !== 'string') {
    throw new ScenarioError(
      `${where}: "${kind}" must be ${kind === 'advance' ? 'an ISO-8601 duration, e.g. P1D' : 'an ISO-8601 date-time'}`,
    );
  }
}

function allowOnly(value: Record<string, unknown>, keys: readonly string[], where: string): void {
  const extra = Object.keys(value).filter((key) => !keys.includes(key));
  if (extra.length > 0) {
    throw new ScenarioError(
      `${where} has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((key) => `"${key}"`).join(', ')}`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
