import type { ActivityNode } from '@app/bpmn';
import { type JsonValue, isExpression, stripExpressionMarker } from '@app/feel';
import { IncidentError } from '../errors.js';
import type { Run } from '../run.js';
import type { ElementInstance, Variables } from '../state.js';

/**
 * The multi-instance body around an activity: one inner instance per item of the input
 * collection, all at once (parallel) or one after another (sequential). Each inner instance
 * has the item as a local variable (inputElement) and `loopCounter` (1-based); outputs are
 * gathered into outputCollection; the body completes when every inner instance has, or
 * earlier when completionCondition holds (the rest are terminated). Boundary events attach
 * to the body, so an interrupting one ends every inner instance.
 */
export const multiInstanceBody = {
  activate(run: Run, body: ElementInstance, node: ActivityNode): void {
    const loop = node.multiInstance;
    if (!loop) throw new Error(`'${node.id}' is not multi-instance`);
    const scope = run.visibleVariables(body.key);
    const items = isExpression(loop.inputCollection)
      ? run.evaluateExpression(stripExpressionMarker(loop.inputCollection), scope)
      : (scope[loop.inputCollection] ?? null);
    if (!Array.isArray(items)) {
      throw new IncidentError(
        `the inputCollection of multi-instance '${node.id}' ("${loop.inputCollection}") evaluated to ${JSON.stringify(items)}, not a list`,
      );
    }
    if (loop.outputCollection) {
      run.setLocal(body.key, { [loop.outputCollection]: items.map(() => null) });
    }
    run.elements[body.key] = { ...body, multiInstance: { items, activated: 0, completed: 0 } };
    if (items.length === 0) {
      run.completeElement(body);
      return;
    }
    const first = loop.sequential ? 1 : items.length;
    for (let i = 0; i < first; i++) activateNext(run, body.key, node);
  },

  /** Before an inner instance goes: its outputElement into the body's outputCollection. */
  collectOutput(run: Run, body: ElementInstance, inner: ElementInstance, node: ActivityNode): void {
    const loop = node.multiInstance;
    if (!loop?.outputCollection || !loop.outputElement || inner.loopCounter === undefined) return;
    const value = run.evaluateAttribute(loop.outputElement, run.visibleVariables(inner.key));
    const current = run.variables[body.key]?.[loop.outputCollection];
    const list: JsonValue[] = Array.isArray(current) ? [...current] : [];
    list[inner.loopCounter - 1] = value;
    run.setLocal(body.key, { [loop.outputCollection]: list });
  },

  /** `inner` are the local variables of the inner instance that has just completed. */
  innerCompleted(run: Run, body: ElementInstance, node: ActivityNode, inner: Variables): void {
    const current = run.elements[body.key];
    if (!current?.multiInstance) return;
    const progress = { ...current.multiInstance, completed: current.multiInstance.completed + 1 };
    const updated = { ...current, multiInstance: progress };
    run.elements[body.key] = updated;
    multiInstanceBody.proceed(run, updated, node, inner);
  },

  /**
   * Decides what follows an inner completion (also the retry of a failed decision). As in
   * Zeebe, the completion condition sees the completing inner instance's variables.
   */
  proceed(run: Run, body: ElementInstance, node: ActivityNode, inner: Variables): void {
    const progress = body.multiInstance;
    const loop = node.multiInstance;
    if (!progress || !loop) return;
    const total = progress.items.length;
    run.attempt(body, 'continue', inner, () => {
      const done =
        progress.completed >= total ||
        (loop.completionCondition !== null &&
          run.evaluateCondition(loop.completionCondition, {
            ...run.visibleVariables(body.key),
            ...inner,
            numberOfInstances: total,
            numberOfActiveInstances: progress.activated - progress.completed,
            numberOfCompletedInstances: progress.completed,
            numberOfTerminatedInstances: 0,
          }));
      if (done) {
        for (const inner of run.children(body.key)) run.terminate(inner.key);
        run.completeElement(body);
      } else if (loop.sequential && progress.activated === progress.completed) {
        activateNext(run, body.key, node);
      }
    });
  },

  /** The body completes: its output collection goes to the enclosing scope. */
  beforeComplete(run: Run, body: ElementInstance, node: ActivityNode): void {
    const name = node.multiInstance?.outputCollection;
    if (!name || body.parentKey === null) return;
    const value = run.variables[body.key]?.[name] ?? [];
    run.setVariables(body.parentKey, { [name]: value });
  },
};

function activateNext(run: Run, bodyKey: string, node: ActivityNode): void {
  const body = run.elements[bodyKey];
  const progress = body?.multiInstance;
  if (!body || !progress || progress.activated >= progress.items.length) return;
  const index = progress.activated;
  run.elements[bodyKey] = { ...body, multiInstance: { ...progress, activated: index + 1 } };
  const inputElement = node.multiInstance?.inputElement;
  const local: Record<string, JsonValue> = { loopCounter: index + 1 };
  if (inputElement) local[inputElement] = progress.items[index] ?? null;
  // Zeebe creates the variable the outputElement reads as a local (null) of each inner
  // instance, so that a completion setting it stays with that instance.
  const output = outputVariable(node.multiInstance?.outputElement ?? null);
  if (output !== null && !(output in local)) local[output] = null;
  run.enqueueActivate(node.id, bodyKey, body.processRef, { local, loopCounter: index + 1 });
}

const PATH = /^([\p{L}_][\p{L}\p{N}_]*)(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u;

/** The variable an outputElement such as `=result` or `=result.score` reads, if it is that. */
function outputVariable(outputElement: string | null): string | null {
  if (outputElement === null || !isExpression(outputElement)) return null;
  const name = PATH.exec(stripExpressionMarker(outputElement).trim())?.[1];
  return name === undefined || ['true', 'false', 'null'].includes(name) ? null : name;
}
