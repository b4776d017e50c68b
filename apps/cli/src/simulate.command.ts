import { readFile } from 'node:fs/promises';
import { formatProblem, lintBpmn } from '@app/bpmn';
import { ScenarioError, parseScenario, registryOf, simulate } from '@app/engine';
import { reason } from './lint.command.js';

/**
 * `simulate TEMPLATE.bpmn SCENARIO.json`: prints one JSON result; exit 0 when the scenario
 * ran (whatever state it ended in), 1 with a message on stderr when the template or a step
 * is invalid.
 */
export async function simulateCommand(args: readonly string[]): Promise<number> {
  const [templateFile, scenarioFile, ...rest] = args;
  if (!templateFile || !scenarioFile || rest.length > 0) {
    process.stderr.write('usage: cli simulate TEMPLATE.bpmn SCENARIO.json\n');
    return 2;
  }
  const fail = (message: string) => {
    process.stderr.write(`${message}\n`);
    return 1;
  };
  let xml: string;
  let scenarioText: string;
  try {
    xml = await readFile(templateFile, 'utf8');
  } catch (error) {
    return fail(`${templateFile}: cannot read: ${reason(error)}`);
  }
  try {
    scenarioText = await readFile(scenarioFile, 'utf8');
  } catch (error) {
    return fail(`${scenarioFile}: cannot read: ${reason(error)}`);
  }
  const { problems, definitions } = await lintBpmn(xml);
  if (!definitions) {
    return fail(
      `${templateFile}: the template is invalid:\n${problems.map((p) => `${templateFile}: ${formatProblem(p)}`).join('\n')}`,
    );
  }
  let scenario;
  try {
    scenario = parseScenario(JSON.parse(scenarioText) as unknown);
  } catch (error) {
    const what = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : reason(error);
    return fail(`${scenarioFile}: ${what}`);
  }
  const ids = Object.keys(definitions.processes);
  const processId = scenario.process ?? (ids.length === 1 ? ids[0] : undefined);
  if (!processId || !definitions.processes[processId]) {
    return fail(
      scenario.process
        ? `${scenarioFile}: process '${scenario.process}' is not an executable process of ${templateFile} (it has: ${ids.join(', ')})`
        : `${scenarioFile}: ${templateFile} has ${ids.length} executable processes (${ids.join(', ')}); name one in "process"`,
    );
  }
  try {
    const result = simulate({ processes: registryOf(definitions) }, processId, scenario);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ScenarioError) return fail(`${scenarioFile}: ${error.message}`);
    throw error;
  }
}
