import { readFileSync } from 'node:fs';
import { expect } from '@jest/globals';
import { compileBpmn } from '@app/bpmn';
import {
  type EngineContext,
  type ScenarioStep,
  type SimulationResult,
  type Variables,
  registryOf,
  simulate,
} from '@app/engine';
import type { FormSchema } from '../../../apps/api/src/tasks/forms/form-schema.js';
import { validateForm } from '../../../apps/api/src/tasks/forms/form-validation.js';

export const TEMPLATES = new URL('../../../process-templates/', import.meta.url);
const ZONE = 'Asia/Shanghai';

/** A form of process-templates/forms, as the api loads it. */
export function loadForm(id: string): FormSchema {
  return JSON.parse(readFileSync(new URL(`forms/${id}.form`, TEMPLATES), 'utf8')) as FormSchema;
}

/**
 * One template of process-templates/, compiled once, walked in memory with the engine's
 * simulator; every completion a walk makes must first pass the task's real form, as the api
 * checks it.
 */
export class TemplateWalk {
  private compiled: Promise<EngineContext> | undefined;

  /** `startAt`: when walks start (ISO); form FEEL expressions are evaluated at that time. */
  constructor(
    readonly key: string,
    private readonly startAt: string,
  ) {}

  context(): Promise<EngineContext> {
    this.compiled ??= compileBpmn(
      readFileSync(new URL(`${this.key}.bpmn`, TEMPLATES), 'utf8'),
    ).then((definitions) => ({ processes: registryOf(definitions) }));
    return this.compiled;
  }

  /** What the form refuses in `submitted` (with the instance's `current` variables). */
  problems(formId: string, submitted: Variables, current: Variables = {}) {
    return validateForm(loadForm(formId), {
      submitted,
      current,
      feel: { now: Date.parse(this.startAt), zone: ZONE },
    });
  }

  async walk(start: Variables, steps: readonly ScenarioStep[]): Promise<SimulationResult> {
    const ctx = await this.context();
    const graph = ctx.processes.latest(this.key)!;
    for (const item of steps) {
      if (!('complete' in item)) continue;
      const node = graph.nodes[item.complete];
      if (node?.kind !== 'userTask' || node.formId === null) continue;
      expect({
        task: item.complete,
        problems: this.problems(node.formId, item.variables ?? {}),
      }).toEqual({ task: item.complete, problems: [] });
    }
    return simulate(ctx, this.key, { start: { at: this.startAt, variables: start }, steps });
  }
}
