/** One thing wrong with a BPMN document, tied to the element it is about. */
export interface BpmnProblem {
  /** The element's id, or `-` when the problem is not about one element. */
  readonly elementId: string;
  /** The BPMN type, e.g. `bpmn:UserTask`. */
  readonly bpmnType: string;
  readonly message: string;
}

export function problem(elementId: string, bpmnType: string, message: string): BpmnProblem {
  return { elementId, bpmnType, message };
}

/** `ELEMENT_ID (bpmn:Type): message` — the form the CLI and the API print. */
export function formatProblem(p: BpmnProblem): string {
  return `${p.elementId} (${p.bpmnType}): ${p.message}`;
}

/** Thrown by {@link compileBpmn} when a document has problems; carries every one of them. */
export class BpmnValidationError extends Error {
  constructor(readonly problems: readonly BpmnProblem[]) {
    super(
      `the BPMN document has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'BpmnValidationError';
  }
}
