import { type EvalOptions, evaluateExpression, stripExpressionMarker } from '@app/feel';
import type { FieldProblem } from '../../common/http-problem.js';
import type { FormComponent, FormSchema } from './form-schema.js';

type Data = Readonly<Record<string, unknown>>;

export interface FormValidationInput {
  /** What the task's completion submits. */
  readonly submitted: Data;
  /** The variables the form was opened with (the instance's); submitted values override them. */
  readonly current: Data;
  /** For FEEL `conditional.hide` expressions. */
  readonly feel: EvalOptions;
}

const STRING_TYPES = new Set(['textfield', 'textarea', 'datetime']);
const SINGLE_CHOICE = new Set(['select', 'radio']);
const MULTI_CHOICE = new Set(['checklist', 'taglist']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s()-]{5,}$/;

/**
 * Checks submitted values against a form-js schema, as the form would: `validate.required` on
 * the form's data (the current variables overlaid with the submitted ones, so a prefilled
 * field counts; a required checkbox must be checked, as in form-js), and the type each component edits on the submitted values (number → number,
 * checkbox → boolean, textfield/textarea/datetime → string, select/radio → one of its static
 * values, checklist/taglist → an array of them), with min/max, minLength/maxLength and
 * pattern. A component hidden by its `conditional.hide` expression is not checked. Returns one
 * problem per offending field, its message in Chinese and short, as the form shows it beside
 * the field («必填», «不能小于 1»); none means valid.
 */
export function validateForm(schema: FormSchema, input: FormValidationInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walk(schema.components, [], {
    data: { ...input.current, ...input.submitted },
    submitted: input.submitted,
    feel: input.feel,
    report: (field, message) => problems.push({ field, message }),
  });
  return problems;
}

interface Walk {
  /** The form's data at this level (a dynamic list's item inside one). */
  readonly data: Data;
  readonly submitted: Data;
  readonly feel: EvalOptions;
  readonly report: (field: string, message: string) => void;
}

function walk(components: readonly FormComponent[], prefix: readonly string[], ctx: Walk): void {
  for (const component of components) {
    if (hidden(component, ctx)) continue;
    if (component.type === 'dynamiclist' && component.path) {
      walkList(component, [...prefix, ...component.path.split('.')], ctx);
    } else if (component.components) {
      const nested = component.path ? [...prefix, ...component.path.split('.')] : prefix;
      walk(component.components, nested, ctx);
    } else if (component.key) {
      const path = [...prefix, ...component.key.split('.')];
      const problem = check(component, lookup(ctx.data, path), lookup(ctx.submitted, path));
      if (problem) ctx.report(path.join('.'), problem);
    }
  }
}

/** A dynamic list: an array of objects, each checked against the list's components. */
function walkList(component: FormComponent, path: readonly string[], ctx: Walk): void {
  const field = path.join('.');
  const list = lookup(ctx.data, path);
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    ctx.report(field, '必须是列表');
    return;
  }
  const submitted = lookup(ctx.submitted, path);
  list.forEach((item: unknown, index) => {
    if (!isObject(item)) {
      ctx.report(`${field}[${index}]`, '必须是对象');
      return;
    }
    const sent: unknown = Array.isArray(submitted) ? submitted[index] : undefined;
    walk(component.components ?? [], [], {
      data: item,
      submitted: isObject(sent) ? sent : {},
      feel: ctx.feel,
      report: (inner, message) => ctx.report(`${field}[${index}].${inner}`, message),
    });
  });
}

/** What is wrong with one field's value, or null. */
function check(component: FormComponent, value: unknown, submitted: unknown): string | null {
  const rules = component.validate ?? {};
  // As in form-js, a required checkbox must be checked: false counts as missing.
  const missing = isEmpty(value) || (component.type === 'checkbox' && value === false);
  if (missing) return rules.required ? '必填' : null;
  // Values that were not submitted were accepted when they were set.
  if (submitted === undefined) return null;
  const { type } = component;
  if (type === 'number') {
    if (typeof submitted !== 'number' || !Number.isFinite(submitted)) return '必须是数字';
    if (rules.min !== undefined && submitted < rules.min) return `不能小于 ${rules.min}`;
    if (rules.max !== undefined && submitted > rules.max) return `不能大于 ${rules.max}`;
    return null;
  }
  if (type === 'checkbox') return typeof submitted === 'boolean' ? null : '必须是 true 或 false';
  if (STRING_TYPES.has(type)) {
    if (typeof submitted !== 'string') return '必须是文本';
    return checkText(submitted, rules);
  }
  const options = component.values?.map((option) => option.value);
  if (SINGLE_CHOICE.has(type)) {
    if (options && !options.some((option) => option === submitted)) {
      return `必须是以下之一：${options.map((option) => JSON.stringify(option)).join('、')}`;
    }
    return null;
  }
  if (MULTI_CHOICE.has(type)) {
    if (!Array.isArray(submitted)) return '必须是列表';
    const unknown = options
      ? submitted.filter((item) => !options.some((option) => option === item))
      : [];
    if (unknown.length > 0) {
      return `${unknown.map((item) => JSON.stringify(item)).join('、')} 不在可选项中（可选：${options!
        .map((option) => JSON.stringify(option))
        .join('、')}）`;
    }
    return null;
  }
  return null;
}

function checkText(value: string, rules: NonNullable<FormComponent['validate']>): string | null {
  if (rules.minLength !== undefined && value.length < rules.minLength) {
    return `至少 ${rules.minLength} 个字符`;
  }
  if (rules.maxLength !== undefined && value.length > rules.maxLength) {
    return `最多 ${rules.maxLength} 个字符`;
  }
  if (rules.pattern !== undefined && !safeTest(rules.pattern, value)) {
    return `格式不符合要求（须匹配 ${rules.pattern}）`;
  }
  if (rules.validationType === 'email' && !EMAIL.test(value)) return '必须是电子邮件地址';
  if (rules.validationType === 'phone' && !PHONE.test(value)) return '必须是电话号码';
  return null;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return true; // an unusable pattern in the form is the form's problem, not the submitter's
  }
}

function hidden(component: FormComponent, ctx: Walk): boolean {
  const hide = component.conditional?.hide;
  if (!hide) return false;
  try {
    const result = evaluateExpression(stripExpressionMarker(hide), ctx.data, ctx.feel);
    return result === true;
  } catch {
    return false;
  }
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}

function isObject(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let at: unknown = data;
  for (const part of path) {
    if (!isObject(at)) return undefined;
    at = at[part];
  }
  return at;
}
