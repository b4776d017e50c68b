import type { FormInstance } from 'antd';
import { ApiError, asApiError } from '../api/errors';

/**
 * Shows an api refusal at the Ant Design form's fields it names (`details[].field`, mapped
 * by `fieldNames` from the api's names to the form's); returns what no field took, for an
 * Alert above the form.
 */
export function showFieldErrors(
  form: FormInstance,
  error: unknown,
  fieldNames: Record<string, string> = {},
): string | null {
  const problem = asApiError(error);
  const known = new Set(Object.keys(form.getFieldsValue(true) as object));
  const byField = new Map<string, string[]>();
  const rest: string[] = [];
  for (const { field, message } of problem.fields) {
    const name = fieldNames[field] ?? field;
    if (known.has(name) || name in fieldNames) {
      byField.set(name, [...(byField.get(name) ?? []), message]);
    } else rest.push(message);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  if (byField.size > 0 && rest.length === 0) return null;
  if (problem instanceof ApiError && rest.length > 0) return rest.join('；');
  return problem.message;
}
