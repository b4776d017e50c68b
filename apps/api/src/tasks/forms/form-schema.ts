/** The form-js model is @app/bpmn's (what `cli lint` and the deployment check forms against). */
import type { FormComponent, FormSchema } from '@app/bpmn';

export { type FormComponent, type FormSchema, isFormSchema } from '@app/bpmn';

/**
 * The root variables a form shows: the first segment of each field's `key` (or a group's or
 * dynamic list's `path`) and of each `valuesKey` (options taken from a variable). What a
 * completion's reply may show a caller who reads only their own task.
 */
export function formVariableNames(schema: FormSchema): Set<string> {
  const names = new Set<string>();
  const visit = (components: readonly FormComponent[]) => {
    for (const component of components) {
      const valuesKey = component.valuesKey;
      if (typeof valuesKey === 'string' && valuesKey !== '') names.add(valuesKey.split('.')[0]);
      if (component.path) {
        names.add(component.path.split('.')[0]);
        continue;
      }
      if (component.components) visit(component.components);
      else if (component.key) names.add(component.key.split('.')[0]);
    }
  };
  visit(schema.components);
  return names;
}
