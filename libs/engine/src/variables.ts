import { EngineException, EngineExceptionCode } from './errors.js';

/** Refuses variables that are not plain JSON (they must survive jsonb and the audit trail). */
export function assertVariables(variables: unknown): void {
  const prototype: unknown =
    variables !== null && typeof variables === 'object' ? Object.getPrototypeOf(variables) : false;
  // a Map, a list or a class instance would be stored as something else than what was given
  if (prototype !== Object.prototype && prototype !== null) {
    throw new EngineException(
      EngineExceptionCode.INVALID_VARIABLES,
      'variables must be a plain object',
    );
  }
  for (const [name, value] of Object.entries(variables as object)) check(value, name);
}

function check(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    fail(path, 'is not a finite number');
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => check(item, `${path}[${index}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) check(item, `${path}.${key}`);
    return;
  }
  fail(path, `is a ${typeof value}, not JSON`);
}

function fail(path: string, why: string): never {
  throw new EngineException(EngineExceptionCode.INVALID_VARIABLES, `variable '${path}' ${why}`);
}
