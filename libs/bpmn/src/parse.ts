import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';
import { type BpmnProblem, problem } from './problems.js';

/** A node of the bpmn-moddle object tree, typed loosely: the compiler checks what it reads. */
export interface ModdleElement {
  readonly $type: string;
  readonly id?: string;
  readonly $parent?: ModdleElement;
  readonly [property: string]: unknown;
}

interface ModdleWarning {
  readonly message: string;
  readonly element?: ModdleElement;
  readonly property?: string;
}

const require = createRequire(import.meta.url);
const zeebeDescriptor: object = require('zeebe-bpmn-moddle/resources/zeebe.json') as object;

let moddle: BpmnModdle | undefined;
function getModdle(): BpmnModdle {
  moddle ??= new BpmnModdle({ zeebe: zeebeDescriptor });
  return moddle;
}

export interface ParsedDefinitions {
  readonly definitions: ModdleElement | null;
  /** Every moddle warning, as a problem: the compiler treats each one as an error. */
  readonly problems: readonly BpmnProblem[];
}

const DEFINITIONS = 'bpmn:Definitions';

/** Parses BPMN 2.0 XML (with the zeebe extension namespace). Never throws. */
export async function parseBpmnXml(xml: string): Promise<ParsedDefinitions> {
  if (xml.trim() === '') {
    return { definitions: null, problems: [problem('-', DEFINITIONS, 'the document is empty')] };
  }
  try {
    const result = await getModdle().fromXML(xml, 'bpmn:Definitions');
    const warnings = (result.warnings ?? []) as readonly ModdleWarning[];
    return {
      definitions: result.rootElement as ModdleElement,
      problems: warnings.map((warning) => warningToProblem(warning, xml)),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { definitions: null, problems: [unparsableToProblem(message, xml, true)] };
  }
}

function warningToProblem(warning: ModdleWarning, xml: string): BpmnProblem {
  const { element, property } = warning;
  const unresolved = /^unresolved reference <(.*)>$/.exec(warning.message);
  if (unresolved && element) {
    const what = property?.replace(/^bpmn:/, '') ?? 'reference';
    return problem(
      element.id ?? '-',
      element.$type,
      `${what} '${unresolved[1]}' does not exist in this document`,
    );
  }
  const unknownAttribute = /^unknown attribute <(.*)>$/.exec(warning.message);
  if (unknownAttribute && element) {
    return problem(
      element.id ?? '-',
      element.$type,
      `unknown attribute '${unknownAttribute[1]}' (not part of BPMN 2.0 or the zeebe extensions)`,
    );
  }
  if (element) {
    return problem(element.id ?? '-', element.$type, oneLine(warning.message));
  }
  return unparsableToProblem(warning.message, xml, false);
}

/**
 * Turns moddle's multi-line "unparsable content <tag> detected / line / column / nested
 * error" text into one line that names the element (id and type read off the tag) and the
 * 1-based line.
 */
function unparsableToProblem(message: string, xml: string, fatal: boolean): BpmnProblem {
  const tag = /unparsable content <([^>\s]*)[^>]*>? detected/.exec(message)?.[1] ?? null;
  const line = /\bline: (\d+)/.exec(message)?.[1];
  const column = /\bcolumn: (\d+)/.exec(message)?.[1];
  const nested = /nested error: (.*)/.exec(message)?.[1]?.trim() ?? oneLine(message);
  const where = line === undefined ? '' : ` at line ${Number(line) + 1}`;
  const located =
    line !== undefined && column !== undefined
      ? tagAt(xml, Number(line), Number(column))
      : { id: null, type: null };
  const bpmnType = located.type ?? (tag && !tag.startsWith('/') ? qualifiedType(tag) : DEFINITIONS);
  const prefix = fatal ? 'malformed XML' : 'unparsable content';
  return problem(located.id ?? '-', bpmnType, `${prefix}${where}: ${nested}`);
}

function tagAt(
  xml: string,
  line: number,
  column: number,
): { id: string | null; type: string | null } {
  const lines = xml.split('\n');
  if (line >= lines.length) return { id: null, type: null };
  let offset = column;
  for (let i = 0; i < line; i++) offset += (lines[i]?.length ?? 0) + 1;
  const start = xml.lastIndexOf('<', offset);
  if (start < 0) return { id: null, type: null };
  const end = xml.indexOf('>', start);
  const text = xml.slice(start, end < 0 ? undefined : end + 1);
  const name = /^<([\w:.-]+)/.exec(text)?.[1];
  const id = /\sid\s*=\s*"([^"]*)"/.exec(text)?.[1] ?? null;
  return { id, type: name ? qualifiedType(name) : null };
}

/** `bpmn:userTask` -> `bpmn:UserTask` (moddle's type names are capitalised). */
function qualifiedType(tag: string): string {
  const [prefix, local] = tag.includes(':') ? tag.split(':', 2) : ['bpmn', tag];
  const name = local ?? '';
  return `${prefix}:${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
