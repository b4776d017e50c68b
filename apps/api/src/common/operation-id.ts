/** `OrgUnitsController` → `org_units`, `listItems` → `list_items`. */
function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/**
 * The OpenAPI operationId of a route: its controller and method in snake case
 * (`TasksController.list` → `tasks_list`), stable as long as the code's names are, which the
 * web app's generated types key their operations by.
 */
export function operationId(controllerKey: string, methodKey: string): string {
  return `${snake(controllerKey.replace(/Controller$/, ''))}_${snake(methodKey)}`;
}
