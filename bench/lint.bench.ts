/**
 * `npm run bench:lint`: how the compiler's time grows with the model. Lints generated flat
 * models of 1,000, 10,000 and 48,000 tasks (start, tasks in sequence, end) and one of
 * sub-processes nested to the depth limit, in one process, and prints the time of each and
 * its time per element against the 1,000-task model measured in the same run: linear means a
 * ratio near 1. The limits are raised for the run (the flat models are over the default
 * TEMPLATE_MAX_ELEMENTS on purpose). A benchmark, not a test: nothing here fails.
 */
import { DEFAULT_TEMPLATE_LIMITS, lintBpmn } from '@app/bpmn';
import { flatTasks, nestedSubProcesses } from '../test/support/hostile-bpmn.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const limits = { maxElements: 1_000_000, maxDepth: DEFAULT_TEMPLATE_LIMITS.maxDepth };

interface Case {
  readonly name: string;
  readonly xml: string;
  /** Flow elements in the model. */
  readonly elements: number;
}

const cases: Case[] = [1_000, 10_000, 48_000].map((tasks) => ({
  name: `flat ${tasks} tasks`,
  xml: flatTasks('flat', tasks),
  elements: 2 * tasks + 3,
}));
const depth = DEFAULT_TEMPLATE_LIMITS.maxDepth;
cases.push({
  name: `nested ${depth} sub-processes`,
  xml: nestedSubProcesses('deep', depth),
  elements: 2 * depth + 1,
});

/** The best of ROUNDS lints, in ms (after one warm-up). */
async function time(xml: string): Promise<number> {
  const first = await lintBpmn(xml, limits);
  if (first.problems.length > 0)
    throw new Error(`unexpected problems: ${first.problems[0]?.message}`);
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await lintBpmn(xml, limits);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

let baseline: number | null = null;
process.stdout.write(
  'model                          elements   bytes      ms   µs/element  ratio\n',
);
for (const model of cases) {
  const ms = await time(model.xml);
  const perElement = (ms * 1000) / model.elements;
  baseline ??= perElement;
  process.stdout.write(
    `${model.name.padEnd(30)} ${String(model.elements).padStart(8)} ${String(model.xml.length).padStart(8)} ${ms.toFixed(0).padStart(7)} ${perElement.toFixed(1).padStart(12)} ${(perElement / baseline).toFixed(2).padStart(6)}\n`,
  );
}
