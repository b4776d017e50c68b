import { HttpStatus, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Matches, getMetadataStorage } from 'class-validator';
import { type FieldProblem, HttpProblem } from './http-problem.js';
import { GenericCode, isChinese, messageFor, problemsSummary } from './messages.js';

/** The arguments a DTO gave each constraint of a property, by constraint name. */
function constraintArgs(target: object | undefined, property: string): Map<string, unknown[]> {
  const args = new Map<string, unknown[]>();
  if (target === undefined) return args;
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(
    target.constructor,
    '',
    true,
    false,
  );
  for (const metadata of metadatas) {
    if (metadata.propertyName === property && metadata.name !== undefined) {
      args.set(metadata.name, metadata.constraints ?? []);
    }
  }
  return args;
}

function text(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : '';
}

function list(values: unknown): string {
  return (Array.isArray(values) ? values : [values]).map(String).join('、');
}

/**
 * The Chinese sentence for one failed constraint of `field` («pageSize 必须是 1 到 100 之间的
 * 整数»): a DTO's own Chinese message as it is, else the constraint's meaning with the
 * arguments the DTO gave it.
 */
export function constraintMessage(
  field: string,
  name: string,
  given: string,
  args: ReadonlyMap<string, unknown[]>,
): string {
  if (isChinese(given)) return given;
  const arg = (constraint: string) => args.get(constraint)?.[0];
  const min = arg('min');
  const max = arg('max');
  switch (name) {
    case 'isInt':
    case 'min':
    case 'max':
      if (min !== undefined && max !== undefined) {
        return `${field} 必须是 ${text(min)} 到 ${text(max)} 之间的整数`;
      }
      if (name === 'isInt') return `${field} 必须是整数`;
      return name === 'min' ? `${field} 不能小于 ${text(min)}` : `${field} 不能大于 ${text(max)}`;
    case 'isString':
      return `${field} 必须是文本`;
    case 'isNotEmpty':
      return `${field} 不能为空`;
    case 'maxLength':
      return `${field} 最多 ${text(arg('maxLength'))} 个字符`;
    case 'minLength':
      return `${field} 至少 ${text(arg('minLength'))} 个字符`;
    case 'isIn':
      return `${field} 必须是以下之一：${list(arg('isIn'))}`;
    case 'isBoolean':
      return `${field} 必须是 true 或 false`;
    case 'isUuid':
      return `${field} 必须是 UUID`;
    case 'isIso8601':
      return `${field} 必须是 ISO 8601 日期或时间（如 2026-05-01 或 2026-05-01T09:00:00+08:00）`;
    case 'isArray':
      return `${field} 必须是数组`;
    case 'arrayMinSize':
      return `${field} 至少要有 ${text(arg('arrayMinSize'))} 项`;
    case 'arrayMaxSize':
      return `${field} 最多 ${text(arg('arrayMaxSize'))} 项`;
    case 'isObject':
      return `${field} 必须是 JSON 对象`;
    case 'nestedValidation':
      return `${field} 必须是对象或对象数组`;
    case 'whitelistValidation':
      return `不接受字段 ${field}`;
    case 'matches':
      return `${field} 的格式不正确`;
    default:
      return `${field} 的值不正确`;
  }
}

/**
 * Flattens class-validator's tree into one problem per field (by path), its failed
 * constraints' messages in Chinese joined, the basic type check first; the range of a number
 * is said once.
 */
export function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const args = constraintArgs(error.target, error.property);
    // Decorators apply bottom-up: the last constraint is the first one written.
    const constraints = Object.entries(error.constraints ?? {}).reverse();
    const messages = [
      ...new Set(constraints.map(([name, given]) => constraintMessage(field, name, given, args))),
    ];
    if (messages.length > 0) problems.push({ field, message: messages.join('；') });
    problems.push(...fieldProblems(error.children ?? [], field));
  }
  return problems;
}

/**
 * The 400 of a request whose fields are not acceptable: code VALIDATION_FAILED, `details` one
 * `{ field, message }` per field (the message in Chinese, naming the field and why), the
 * message the first of them.
 */
export function invalidRequest(details: readonly FieldProblem[]): HttpProblem {
  return new HttpProblem(
    HttpStatus.BAD_REQUEST,
    problemsSummary(messageFor(GenericCode.VALIDATION_FAILED), details),
    details,
    GenericCode.VALIDATION_FAILED,
  );
}

/**
 * A required text that must hold more than white space (the service stores it trimmed, so
 * `"   "` would be stored as an empty text).
 */
export function NotBlank(field: string): PropertyDecorator {
  return Matches(/\S/, { message: `${field} 不能为空白` });
}

/** The global pipe: unknown properties are refused, payloads become DTO instances. */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: true, value: false },
    exceptionFactory: (errors) => invalidRequest(fieldProblems(errors)),
  });
}
