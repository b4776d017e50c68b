export { FeelError, toJsonValue } from './values.js';
export type { JsonValue, Variables } from './values.js';
export {
  checkExpression,
  evaluateAttribute,
  evaluateCondition,
  evaluateExpression,
  isExpression,
  stripExpressionMarker,
} from './expression.js';
export type { EvalOptions } from './expression.js';
export { DEFAULT_FEEL_LIMITS, FeelTimeAccount, type FeelLimits } from './limits.js';
