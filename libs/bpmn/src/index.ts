/**
 * @app/bpmn — parse BPMN 2.0 XML (bpmn-moddle + the zeebe extension descriptor), validate
 * it, and compile every executable process into an immutable graph. Pure: no I/O, no Nest.
 */
export * from './model.js';
export { type BpmnProblem, BpmnValidationError, formatProblem } from './problems.js';
export { compileBpmn, lintBpmn, type LintOptions, type LintResult } from './compile.js';
export {
  BUILT_IN_SERVICE_TASK_TYPES,
  type BuiltInServiceTaskType,
  unknownServiceTaskTypes,
} from './service-task-types.js';
export { DEFAULT_TEMPLATE_LIMITS, type TemplateLimits } from './limits.js';
export { type StaticCall, callCycleProblems, staticCalls } from './call-graph.js';
export {
  DEFAULT_FORM_LIMITS,
  FORM_COMPONENT_TYPES,
  FORM_CONTAINER_TYPES,
  FORM_DISPLAY_TYPES,
  FORM_INPUT_TYPES,
  type FormComponent,
  type FormLimits,
  type FormSchema,
  formProblems,
  formReference,
  formReferenceProblems,
  formReferences,
  isFormSchema,
} from './form-model.js';
