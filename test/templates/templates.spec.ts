/**
 * Every process-templates/*.bpmn, whoever wrote it: lints clean, parses with zero moddle
 * warnings, round-trips through bpmn-moddle, has diagram interchange for every flow node and
 * sequence flow (so it opens in Camunda Modeler / bpmn-js), names every flow node in Chinese,
 * documents every user task's standard of done (工作标准), and every form it references exists
 * under forms/ as form-js JSON.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { lintBpmn } from '@app/bpmn';
import { BpmnModdle } from 'bpmn-moddle';
import { isFormSchema } from '../../apps/api/src/tasks/forms/form-schema.js';

const TEMPLATES = new URL('../../process-templates/', import.meta.url);
const FILES = readdirSync(TEMPLATES)
  .filter((file) => file.endsWith('.bpmn'))
  .sort();
const HAN = /\p{Script=Han}/u;

const require = createRequire(import.meta.url);
const moddle = new BpmnModdle({
  zeebe: require('zeebe-bpmn-moddle/resources/zeebe.json') as object,
});

/** A bpmn-moddle element, read loosely. */
interface El {
  readonly $type: string;
  readonly id?: string;
  readonly name?: string;
  readonly [property: string]: unknown;
}

const list = (value: unknown): El[] => (Array.isArray(value) ? (value as El[]) : []);
const NOT_FLOW_NODES = new Set([
  'bpmn:SequenceFlow',
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
]);

/** Every flow element of a process, sub-processes' included. */
function flowElements(container: El): El[] {
  return list(container.flowElements).flatMap((element) => [
    element,
    ...(element.$type === 'bpmn:SubProcess' ? flowElements(element) : []),
  ]);
}

function extension(element: El, type: string): El | undefined {
  return list((element.extensionElements as El | undefined)?.values).find((v) => v.$type === type);
}

async function load(file: string) {
  const xml = readFileSync(new URL(file, TEMPLATES), 'utf8');
  const parsed = await moddle.fromXML(xml, 'bpmn:Definitions');
  const definitions = parsed.rootElement as El;
  const processes = list(definitions.rootElements).filter((e) => e.$type === 'bpmn:Process');
  const elements = processes.flatMap(flowElements);
  const plane = list(definitions.diagrams)[0]?.plane as El | undefined;
  const di = list(plane?.planeElement);
  const shapes = new Map(
    di
      .filter((d) => d.$type === 'bpmndi:BPMNShape')
      .map((d) => [(d.bpmnElement as El | undefined)?.id, d] as const),
  );
  const edges = new Map(
    di
      .filter((d) => d.$type === 'bpmndi:BPMNEdge')
      .map((d) => [(d.bpmnElement as El | undefined)?.id, d] as const),
  );
  return { xml, parsed, definitions, processes, elements, plane, shapes, edges };
}

interface Bounds {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

describe('process templates', () => {
  it('are there', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        'political-birthday.bpmn',
        'secretary-project.bpmn',
        'theme-day.bpmn',
      ]),
    );
  });

  describe.each(FILES)('%s', (file) => {
    const key = file.replace(/\.bpmn$/, '');

    it('lints clean and compiles one executable process whose id is the template key', async () => {
      const { problems, definitions } = await lintBpmn(
        readFileSync(new URL(file, TEMPLATES), 'utf8'),
      );
      expect(problems).toEqual([]);
      expect(Object.keys(definitions?.processes ?? {})).toEqual([key]);
      expect(definitions?.processes[key]?.name).toMatch(HAN);
    });

    it('parses with zero moddle warnings and round-trips with the same element ids', async () => {
      const { parsed } = await load(file);
      expect(parsed.warnings).toEqual([]);

      const { xml: written } = await moddle.toXML(parsed.rootElement, { format: true });
      const again = await moddle.fromXML(written, 'bpmn:Definitions');
      expect(again.warnings).toEqual([]);
      expect(Object.keys(again.elementsById ?? {}).sort()).toEqual(
        Object.keys(parsed.elementsById ?? {}).sort(),
      );
      expect((await lintBpmn(written)).problems).toEqual([]);
    });

    it('has a diagram: a shape for every flow node, an edge with waypoints for every sequence flow, boundary events on their host’s border', async () => {
      const { processes, elements, plane, shapes, edges } = await load(file);
      expect((plane?.bpmnElement as El | undefined)?.id).toBe(processes[0]?.id);

      const nodes = elements.filter((e) => !NOT_FLOW_NODES.has(e.$type));
      expect(nodes.filter((n) => !shapes.has(n.id)).map((n) => n.id)).toEqual([]);
      const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
      expect(flows.filter((f) => !edges.has(f.id)).map((f) => f.id)).toEqual([]);
      for (const flow of flows) {
        expect({
          flow: flow.id,
          waypoints: list(edges.get(flow.id)?.waypoint).length >= 2,
        }).toEqual({ flow: flow.id, waypoints: true });
      }
      for (const boundary of nodes.filter((n) => n.$type === 'bpmn:BoundaryEvent')) {
        const b = shapes.get(boundary.id)?.bounds as Bounds;
        const h = shapes.get((boundary.attachedToRef as El).id)?.bounds as Bounds;
        const cx = b.x + b.width / 2;
        const cy = b.y + b.height / 2;
        const onVertical =
          (Math.abs(cx - h.x) <= 1 || Math.abs(cx - h.x - h.width) <= 1) &&
          cy >= h.y &&
          cy <= h.y + h.height;
        const onHorizontal =
          (Math.abs(cy - h.y) <= 1 || Math.abs(cy - h.y - h.height) <= 1) &&
          cx >= h.x &&
          cx <= h.x + h.width;
        expect({ boundary: boundary.id, onBorder: onVertical || onHorizontal }).toEqual({
          boundary: boundary.id,
          onBorder: true,
        });
      }
    });

    it('names every flow node, and every sequence flow with a condition, in Chinese', async () => {
      const { elements } = await load(file);
      const unnamed = elements
        .filter((e) => !NOT_FLOW_NODES.has(e.$type))
        .filter((e) => !HAN.test(e.name ?? ''))
        .map((e) => e.id);
      expect(unnamed).toEqual([]);
      const conditional = elements.filter(
        (e) => e.$type === 'bpmn:SequenceFlow' && e.conditionExpression !== undefined,
      );
      expect(conditional.filter((f) => !HAN.test(f.name ?? '')).map((f) => f.id)).toEqual([]);
    });

    it('documents the standard of done (工作标准) on every user task', async () => {
      const { elements } = await load(file);
      const undocumented = elements
        .filter((e) => e.$type === 'bpmn:UserTask')
        .filter(
          (task) =>
            !list(task.documentation).some((d) => typeof d.text === 'string' && HAN.test(d.text)),
        )
        .map((task) => task.id);
      expect(undocumented).toEqual([]);
    });

    it('references only forms that exist under forms/ as form-js JSON', async () => {
      const { elements } = await load(file);
      const formIds = [
        ...new Set(
          elements
            .map((e) => extension(e, 'zeebe:FormDefinition')?.formId)
            .filter((id): id is string => typeof id === 'string'),
        ),
      ];
      for (const formId of formIds) {
        let schema: unknown;
        try {
          schema = JSON.parse(readFileSync(new URL(`forms/${formId}.form`, TEMPLATES), 'utf8'));
        } catch (error) {
          throw new Error(`${file}: form '${formId}' is missing or not JSON: ${String(error)}`);
        }
        expect({ formId, isFormSchema: isFormSchema(schema) }).toEqual({
          formId,
          isFormSchema: true,
        });
        const components = (schema as { components: { type?: unknown }[] }).components;
        expect(components.every((c) => typeof c.type === 'string')).toBe(true);
      }
    });
  });
});
