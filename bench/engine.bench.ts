/**
 * Engine throughput: our engine core against bpmn-engine on the same BPMN file.
 *
 *   npm run bench:engine              # human-readable report
 *   npm run bench:engine -- --json    # one JSON document on stdout (progress on stderr)
 *
 * Each instance of bench/fixtures/sequential-10.bpmn is started, its 10 user tasks are
 * completed one at a time (list the open tasks, complete the one that is open), and it ends.
 * Everything runs in memory, in this process. The definitions are parsed once per engine and
 * reused for every instance. See bench/README.md for what is measured and how to read it.
 *
 * Environment:
 *   BENCH_INSTANCES              instances per round for our engine core (default 20000)
 *   BENCH_BPMN_ENGINE_INSTANCES  instances per round for bpmn-engine (default BENCH_INSTANCES/100,
 *                                at least 10)
 *   BENCH_ROUNDS                 timed rounds per engine, alternating the two (default 5)
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { compileBpmn } from '@app/bpmn';
import {
  type Effect,
  type EngineContext,
  type InstanceState,
  openTasks,
  registryOf,
  step,
} from '@app/engine';
import * as bpmnElements from 'bpmn-elements';
import { Engine } from 'bpmn-engine';
import { BpmnModdle } from 'bpmn-moddle';
import serializeModdleContext, {
  type SerializableContext,
  TypeResolver,
} from 'moddle-context-serializer';

const FIXTURE = new URL('./fixtures/sequential-10.bpmn', import.meta.url);
const TASKS_PER_INSTANCE = 10;
/** The figure from the issue, for context only: nothing here is asserted against it. */
const ISSUE_BASELINE_COMPLETIONS_PER_S = 1200;
const ISSUE_GOAL_FACTOR = 50;
const ISSUE_CONTEXT =
  'measured here, bpmn-engine does about 1,200 task completions/s on this 2-core machine; ' +
  'the goal for our core is at least 50× that';
/** Every instance runs at the same instant: the bench has no timers. */
const NOW = Date.parse('2026-01-01T00:00:00Z');

const USAGE = `usage: npm run bench:engine [-- --json]

  --json   print one JSON document on stdout instead of the report (progress goes to stderr)

environment:
  BENCH_INSTANCES              instances per round, our engine core (default 20000)
  BENCH_BPMN_ENGINE_INSTANCES  instances per round, bpmn-engine (default BENCH_INSTANCES/100, min 10)
  BENCH_ROUNDS                 timed rounds per engine, alternating the two (default 5)`;

/** A wrong setting, or an engine that did not run the process as it must: abort the run. */
class BenchError extends Error {
  override name = 'BenchError';
}

// ---------------------------------------------------------------------------------------------
// Configuration

interface Config {
  readonly json: boolean;
  readonly rounds: number;
  readonly ours: { readonly instances: number; readonly warmup: number };
  readonly bpmnEngine: { readonly instances: number; readonly warmup: number };
}

function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config | 'help' {
  let json = false;
  for (const arg of argv) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new BenchError(`unknown argument '${arg}'\n\n${USAGE}`);
  }
  const instances = positiveInt(env, 'BENCH_INSTANCES', 20_000);
  const bpmnEngineInstances = positiveInt(
    env,
    'BENCH_BPMN_ENGINE_INSTANCES',
    Math.max(10, Math.round(instances / 100)),
  );
  return {
    json,
    rounds: positiveInt(env, 'BENCH_ROUNDS', 5),
    // Warm-up, before the first timed round: a fifth of a round for each engine, and never
    // so little that the JIT has not settled (bpmn-engine's first instances run ~3× slower).
    ours: { instances, warmup: Math.max(1000, Math.round(instances / 5)) },
    bpmnEngine: {
      instances: bpmnEngineInstances,
      warmup: Math.max(20, Math.round(bpmnEngineInstances / 5)),
    },
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BenchError(`${name} must be a positive integer, got '${raw}'`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The process under test

interface Fixture {
  readonly xml: string;
  readonly processId: string;
  /** User task ids in the order a token meets them. */
  readonly userTasks: readonly string[];
  /** bpmn-moddle's parse of the file (bpmn-engine's input). */
  readonly moddleContext: Awaited<ReturnType<BpmnModdle['fromXML']>>;
}

/** The parts of a bpmn-moddle element the fixture check reads. */
interface ModdleElement {
  readonly $type: string;
  readonly id: string;
  readonly isExecutable?: boolean;
  readonly rootElements?: readonly ModdleElement[];
  readonly flowElements?: readonly ModdleElement[];
  readonly targetRef?: ModdleElement;
  readonly outgoing?: readonly ModdleElement[];
}

/** Parses the file once and walks its one path: start, the user tasks, end. */
async function loadFixture(): Promise<Fixture> {
  const xml = readFileSync(FIXTURE, 'utf8');
  const moddleContext = await new BpmnModdle().fromXML(xml);
  if (moddleContext.warnings?.length) {
    throw new BenchError(
      `${fixturePath()}: bpmn-moddle warnings: ${String(moddleContext.warnings)}`,
    );
  }
  const definitions = moddleContext.rootElement as ModdleElement;
  const processes = (definitions.rootElements ?? []).filter(
    (element) => element.$type === 'bpmn:Process' && element.isExecutable === true,
  );
  if (processes.length !== 1) {
    throw new BenchError(`${fixturePath()}: expected one executable process`);
  }
  const bpmnProcess = processes[0];
  const starts = (bpmnProcess.flowElements ?? []).filter((e) => e.$type === 'bpmn:StartEvent');
  if (starts.length !== 1) throw new BenchError(`${fixturePath()}: expected one start event`);

  const userTasks: string[] = [];
  let node = starts[0];
  for (let hops = 0; node.$type !== 'bpmn:EndEvent'; hops++) {
    const outgoing = node.outgoing ?? [];
    const next = outgoing[0]?.targetRef;
    if (outgoing.length !== 1 || !next || hops > 1000) {
      throw new BenchError(`${fixturePath()}: '${node.id}' must have exactly one outgoing flow`);
    }
    node = next;
    if (node.$type === 'bpmn:UserTask') userTasks.push(node.id);
    else if (node.$type !== 'bpmn:EndEvent') {
      throw new BenchError(`${fixturePath()}: unexpected ${node.$type} '${node.id}' on the path`);
    }
  }
  if (userTasks.length !== TASKS_PER_INSTANCE) {
    throw new BenchError(
      `${fixturePath()}: expected ${TASKS_PER_INSTANCE} user tasks in sequence, found ${userTasks.length}`,
    );
  }
  return { xml, processId: bpmnProcess.id, userTasks, moddleContext };
}

function fixturePath(): string {
  return fileURLToPath(FIXTURE);
}

// ---------------------------------------------------------------------------------------------
// The two engines

interface Subject {
  readonly key: 'ours' | 'bpmnEngine';
  readonly label: string;
  /** One instance, checked in depth (untimed): throws BenchError unless it ran as it must. */
  verify(): Promise<void>;
  /** Runs `count` instances to completion; returns the task completions (checked per step). */
  run(count: number): Promise<number>;
}

/** Our engine core: `step` over an in-memory state, one compiled graph for every instance. */
async function ourEngine(fixture: Fixture): Promise<Subject> {
  const definitions = await compileBpmn(fixture.xml);
  const ctx: EngineContext = { processes: registryOf(definitions) };
  const graph = definitions.processes[fixture.processId];
  if (!graph) throw new BenchError(`compileBpmn: no process '${fixture.processId}'`);
  const start = { type: 'start', processRef: graph.ref } as const;
  const expected = fixture.userTasks;
  const label = 'branchflow core';

  return {
    key: 'ours',
    label,
    verify() {
      const effects: Effect[] = [];
      let result = step(ctx, null, start, NOW);
      effects.push(...result.effects);
      for (let guard = 0; openTasks(result.state).length > 0 && guard < 100; guard++) {
        const [task] = openTasks(result.state);
        result = step(ctx, result.state, { type: 'completeTask', taskKey: task.key }, NOW);
        effects.push(...result.effects);
      }
      const { state } = result;
      const completed = effects.flatMap((e) => (e.type === 'task.completed' ? [e.task] : []));
      const created = effects.filter((e) => e.type === 'task.created').length;
      const ended = effects.filter((e) => e.type === 'instance.completed').length;
      if (state.status !== 'completed' || ended !== 1) {
        fail(label, `the instance did not complete (status '${state.status}')`);
      }
      if (Object.keys(state.incidents).length > 0) fail(label, 'the instance has incidents');
      if (created !== TASKS_PER_INSTANCE) fail(label, `${created} tasks were created`);
      checkSequence(
        label,
        completed.map((task) => task.elementId),
        expected,
      );
      if (completed.some((task) => task.kind !== 'user')) fail(label, 'a task was not a user task');
      return Promise.resolve();
    },
    run(count) {
      let completions = 0;
      for (let i = 0; i < count; i++) {
        let state: InstanceState = step(ctx, null, start, NOW).state;
        let done = 0;
        for (;;) {
          const tasks = openTasks(state);
          if (tasks.length === 0) break;
          const task = tasks[0];
          if (tasks.length !== 1 || task.elementId !== expected[done]) {
            fail(
              label,
              unexpectedTasks(
                tasks.map((t) => t.elementId),
                expected[done],
                i,
              ),
            );
          }
          state = step(ctx, state, { type: 'completeTask', taskKey: task.key }, NOW).state;
          done++;
        }
        if (done !== TASKS_PER_INSTANCE || state.status !== 'completed') {
          fail(label, `instance #${i} ended '${state.status}' after ${done} completions`);
        }
        completions += done;
      }
      return Promise.resolve(completions);
    },
  };
}

const silent = (): void => undefined;
/** bpmn-engine logs through `debug` by default; the bench gives it a logger that does nothing. */
const silentLogger = () => ({ debug: silent, error: silent, warn: silent });

/**
 * bpmn-engine: one Engine per instance (its unit of execution), all built from one serialized
 * source context (the documented `sourceContext` option: parsed and serialized once, as in its
 * API docs' addSource example). A user task waits; the bench lists the waiting activities
 * (`execution.getPostponed()`) and signals the one that waits (`execution.signal({ id })`).
 */
function bpmnEngine(fixture: Fixture, version: string): Subject {
  const sourceContext: SerializableContext = serializeModdleContext(
    fixture.moddleContext,
    TypeResolver(bpmnElements),
  );
  const expected = fixture.userTasks;
  const label = `bpmn-engine ${version}`;
  const newEngine = (listener?: EventEmitter) =>
    new Engine({ sourceContext, Logger: silentLogger, ...(listener ? { listener } : {}) });

  return {
    key: 'bpmnEngine',
    label,
    async verify() {
      const listener = new EventEmitter();
      const ended: string[] = [];
      listener.on('activity.end', (api: { id: string; type: string }) => {
        if (api.type === 'bpmn:UserTask') ended.push(api.id);
      });
      const engine = newEngine(listener);
      let engineEnded = false;
      engine.once('end', () => (engineEnded = true));
      const execution = await engine.execute();
      for (let guard = 0; guard < 100; guard++) {
        const [waiting] = execution.getPostponed();
        if (!waiting) break;
        execution.signal({ id: waiting.id });
      }
      if (!engineEnded || execution.state !== 'idle') {
        fail(label, `the instance did not complete (state '${execution.state}')`);
      }
      const [definition] = execution.definitions;
      const run = definition?.getProcesses().find((p) => p.id === fixture.processId);
      if (!run || run.counters.completed !== 1) {
        fail(label, `process '${fixture.processId}' did not complete once`);
      }
      for (const id of expected) {
        const taken = execution.getActivityById<{ counters: { taken: number } }>(id).counters.taken;
        if (taken !== 1) fail(label, `user task '${id}' was taken ${taken} times`);
      }
      checkSequence(label, ended, expected);
    },
    async run(count) {
      let completions = 0;
      for (let i = 0; i < count; i++) {
        const execution = await newEngine().execute();
        let done = 0;
        for (;;) {
          const waiting = execution.getPostponed();
          if (waiting.length === 0) break;
          const task = waiting[0];
          if (waiting.length !== 1 || task.id !== expected[done]) {
            fail(
              label,
              unexpectedTasks(
                waiting.map((t) => t.id),
                expected[done],
                i,
              ),
            );
          }
          execution.signal({ id: task.id });
          done++;
        }
        if (done !== TASKS_PER_INSTANCE || execution.state !== 'idle') {
          fail(label, `instance #${i} ended '${execution.state}' after ${done} completions`);
        }
        completions += done;
      }
      return completions;
    },
  };
}

function checkSequence(label: string, actual: readonly string[], expected: readonly string[]) {
  if (actual.length !== expected.length || actual.some((id, i) => id !== expected[i])) {
    fail(
      label,
      `completed tasks [${actual.join(', ')}], expected [${expected.join(', ')}] ` +
        `(${actual.length} of ${expected.length})`,
    );
  }
}

function unexpectedTasks(open: readonly string[], next: string | undefined, instance: number) {
  return `instance #${instance}: open tasks [${open.join(', ')}], expected [${next ?? '(none)'}]`;
}

function fail(label: string, message: string): never {
  throw new BenchError(`verification failed for ${label}: ${message}`);
}

function bpmnEngineVersion(): string {
  const manifest = new URL('../package.json', import.meta.resolve('bpmn-engine'));
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Round {
  readonly round: number;
  readonly engine: Subject['key'];
  readonly instances: number;
  readonly completions: number;
  readonly seconds: number;
  readonly instancesPerSecond: number;
  readonly completionsPerSecond: number;
}

async function measure(subject: Subject, instances: number, round: number): Promise<Round> {
  await yieldToEventLoop(); // let pending work (the other engine's) settle before the clock starts
  const started = performance.now();
  const completions = await subject.run(instances);
  const seconds = (performance.now() - started) / 1000;
  if (completions !== instances * TASKS_PER_INSTANCE) {
    fail(subject.label, `${completions} completions for ${instances} instances`);
  }
  return {
    round,
    engine: subject.key,
    instances,
    completions,
    seconds,
    instancesPerSecond: instances / seconds,
    completionsPerSecond: completions / seconds,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Summary {
  readonly label: string;
  readonly instancesPerRound: number;
  readonly medianInstancesPerSecond: number;
  readonly medianCompletionsPerSecond: number;
  readonly minCompletionsPerSecond: number;
  readonly maxCompletionsPerSecond: number;
}

function summarize(subject: Subject, instances: number, rounds: readonly Round[]): Summary {
  const mine = rounds.filter((r) => r.engine === subject.key);
  const rates = mine.map((r) => r.completionsPerSecond);
  return {
    label: subject.label,
    instancesPerRound: instances,
    medianInstancesPerSecond: median(mine.map((r) => r.instancesPerSecond)),
    medianCompletionsPerSecond: median(rates),
    minCompletionsPerSecond: Math.min(...rates),
    maxCompletionsPerSecond: Math.max(...rates),
  };
}

// ---------------------------------------------------------------------------------------------
// Output

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const rate = (value: number) => (value >= 1000 ? integer : decimal).format(value);

function roundLine(r: Round, label: string): string {
  return [
    String(r.round).padStart(5),
    label.padEnd(20),
    integer.format(r.instances).padStart(9),
    r.seconds.toFixed(3).padStart(8),
    rate(r.instancesPerSecond).padStart(12),
    rate(r.completionsPerSecond).padStart(14),
  ].join('  ');
}

const ROUND_HEADER = [
  'round'.padStart(5),
  'engine'.padEnd(20),
  'instances'.padStart(9),
  'seconds'.padStart(8),
  'instances/s'.padStart(12),
  'completions/s'.padStart(14),
].join('  ');

function summaryLine(s: Summary): string {
  return (
    `  ${s.label.padEnd(20)}${rate(s.medianInstancesPerSecond).padStart(10)} instances/s` +
    `${rate(s.medianCompletionsPerSecond).padStart(12)} task completions/s` +
    `   (rounds ${rate(s.minCompletionsPerSecond)}–${rate(s.maxCompletionsPerSecond)})`
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const config = readConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    console.log(USAGE);
    return;
  }
  const report = config.json ? console.error : console.log;

  const fixture = await loadFixture();
  const ours = await ourEngine(fixture);
  const theirs = bpmnEngine(fixture, bpmnEngineVersion());
  const instancesOf = (s: Subject) => (s.key === 'ours' ? config.ours : config.bpmnEngine);
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
  };

  report(
    `engine bench: ${fixture.processId} (${fixture.userTasks.length} user tasks in sequence), ` +
      `${fixturePath()}`,
  );
  report(
    `${machine.node}, ${machine.platform}, ${machine.cpus} CPUs (${machine.cpuModel}); ` +
      `${config.rounds} rounds alternating the engines, per round: ` +
      `${ours.label} ${integer.format(config.ours.instances)} instances, ` +
      `${theirs.label} ${integer.format(config.bpmnEngine.instances)} instances`,
  );

  for (const subject of [ours, theirs]) await subject.verify();
  report(`verified: every instance must complete its ${TASKS_PER_INSTANCE} user tasks in order`);

  report(
    `warming up: ${integer.format(config.ours.warmup)} + ` +
      `${integer.format(config.bpmnEngine.warmup)} instances`,
  );
  for (const subject of [ours, theirs]) await measure(subject, instancesOf(subject).warmup, 0);

  report('');
  report(ROUND_HEADER);
  const rounds: Round[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    // Alternate which engine goes first, so neither always runs right after the other's garbage.
    const order = round % 2 === 1 ? [ours, theirs] : [theirs, ours];
    for (const subject of order) {
      const result = await measure(subject, instancesOf(subject).instances, round);
      rounds.push(result);
      report(roundLine(result, subject.label));
    }
  }

  const oursSummary = summarize(ours, config.ours.instances, rounds);
  const theirsSummary = summarize(theirs, config.bpmnEngine.instances, rounds);
  const ratio = oursSummary.medianCompletionsPerSecond / theirsSummary.medianCompletionsPerSecond;
  const perRoundRatios = Array.from({ length: config.rounds }, (_, i) => {
    const inRound = rounds.filter((r) => r.round === i + 1);
    const a = inRound.find((r) => r.engine === 'ours')!;
    const b = inRound.find((r) => r.engine === 'bpmnEngine')!;
    return a.completionsPerSecond / b.completionsPerSecond;
  });
  const timesIssueBaseline =
    oursSummary.medianCompletionsPerSecond / ISSUE_BASELINE_COMPLETIONS_PER_S;

  if (config.json) {
    console.log(
      JSON.stringify(
        {
          benchmark: 'engine',
          fixture: {
            file: 'bench/fixtures/sequential-10.bpmn',
            processId: fixture.processId,
            userTasks: fixture.userTasks.length,
          },
          machine,
          config: {
            rounds: config.rounds,
            instancesPerRound: {
              ours: config.ours.instances,
              bpmnEngine: config.bpmnEngine.instances,
            },
            warmupInstances: { ours: config.ours.warmup, bpmnEngine: config.bpmnEngine.warmup },
          },
          verified: true,
          results: { ours: oursSummary, bpmnEngine: theirsSummary },
          ratio: {
            oursOverBpmnEngine: ratio,
            perRoundMin: Math.min(...perRoundRatios),
            perRoundMax: Math.max(...perRoundRatios),
          },
          issue: {
            context: ISSUE_CONTEXT,
            bpmnEngineCompletionsPerSecond: ISSUE_BASELINE_COMPLETIONS_PER_S,
            goalFactor: ISSUE_GOAL_FACTOR,
            goalCompletionsPerSecond: ISSUE_BASELINE_COMPLETIONS_PER_S * ISSUE_GOAL_FACTOR,
            oursOverIssueBaseline: timesIssueBaseline,
          },
          rounds,
        },
        null,
        2,
      ),
    );
    return;
  }

  console.log('');
  console.log('median of rounds');
  console.log(summaryLine(oursSummary));
  console.log(summaryLine(theirsSummary));
  console.log(
    `  ratio ours/bpmn-engine: ${decimal.format(ratio)}× ` +
      `(per round ${decimal.format(Math.min(...perRoundRatios))}–` +
      `${decimal.format(Math.max(...perRoundRatios))}×)`,
  );
  console.log('');
  console.log(`context (issue): "${ISSUE_CONTEXT}".`);
  console.log(
    `  goal: ≥ ${integer.format(ISSUE_BASELINE_COMPLETIONS_PER_S * ISSUE_GOAL_FACTOR)} task ` +
      `completions/s; this run: ${rate(oursSummary.medianCompletionsPerSecond)}/s = ` +
      `${decimal.format(timesIssueBaseline)}× the issue's 1,200/s, ` +
      `${decimal.format(ratio)}× bpmn-engine as measured in this run.`,
  );
  console.log('  (informational: the bench asserts correctness, never timings)');
}

try {
  await main();
} catch (error) {
  if (error instanceof BenchError) {
    console.error(`bench:engine: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
