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
  readonly value?: unknown;
}

const require = createRequire(import.meta.url);
const zeebeDescriptor: object = require('zeebe-bpmn-moddle/resources/zeebe.json') as object;

let moddle: BpmnModdle | undefined;
function getModdle(): BpmnModdle {
  moddle ??= new BpmnModdle({ zeebe: zeebeDescriptor });
  return moddle;
}

/** A reference moddle could not resolve: `property` (e.g. `bpmn:targetRef`) of `element`. */
export interface UnresolvedReference {
  readonly element: ModdleElement;
  readonly property: string;
}

export interface ParsedDefinitions {
  readonly definitions: ModdleElement | null;
  /**
   * Every moddle warning, as a problem: the compiler treats each one as an error. Except:
   * unknown attributes outside the bpmn and zeebe namespaces (DI, colours, foreign
   * extensions), and references to an element that is itself reported as unreadable.
   */
  readonly problems: readonly BpmnProblem[];
  /** The references among those problems, so the compiler does not report them again. */
  readonly unresolved: readonly UnresolvedReference[];
}

const DEFINITIONS = 'bpmn:Definitions';
const BPMN_NAMESPACE = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

/** How many unreadable parts of a document are placed (line, enclosing element) and listed. */
const MAX_PLACED = 20;

/** The namespaces of the model that the compiler reads; DI and colour attributes are ignored. */
const EXECUTED_PREFIXES: ReadonlySet<string> = new Set(['bpmn', 'zeebe']);

/** Namespace URI -> the prefix moddle uses for it, for naming types read off the raw XML. */
const KNOWN_NAMESPACES: Readonly<Record<string, string>> = {
  [BPMN_NAMESPACE]: 'bpmn',
  'http://www.omg.org/spec/BPMN/20100524/DI': 'bpmndi',
  'http://www.omg.org/spec/DD/20100524/DC': 'dc',
  'http://www.omg.org/spec/DD/20100524/DI': 'di',
  'http://camunda.org/schema/zeebe/1.0': 'zeebe',
};

/** Parses BPMN 2.0 XML (with the zeebe extension namespace). Never throws. */
export async function parseBpmnXml(xml: string): Promise<ParsedDefinitions> {
  if (xml.trim() === '') {
    return {
      definitions: null,
      problems: [problem('-', DEFINITIONS, 'the document is empty')],
      unresolved: [],
    };
  }
  const source = new XmlSource(xml);
  try {
    const result = await getModdle().fromXML(xml, 'bpmn:Definitions');
    const warnings = (result.warnings ?? []) as readonly ModdleWarning[];
    // Placing one in the text reads the text up to it: only the first few are placed.
    const unreadable = warnings.filter((warning) => !warning.element);
    const unparsable = new Map(
      unreadable
        .slice(0, MAX_PLACED)
        .map((warning) => [warning, unparsableToProblem(warning.message, source, false)]),
    );
    // A reference to an element moddle could not read is a consequence, not another problem.
    const unreadIds = new Set([...unparsable.values()].map((p) => p.unreadId));
    const unresolved: UnresolvedReference[] = [];
    const problems: BpmnProblem[] = [];
    for (const warning of warnings) {
      const { element } = warning;
      const unread = unparsable.get(warning);
      if (!element) {
        if (unread) problems.push(unread.problem);
        continue;
      }
      if (/^unresolved reference </.test(warning.message)) {
        unresolved.push({ element, property: warning.property ?? '' });
        if (unreadIds.has(String(warning.value))) continue;
      }
      const converted = warningToProblem(warning, element);
      if (converted) problems.push(converted);
    }
    if (unreadable.length > MAX_PLACED) {
      problems.push(
        problem(
          '-',
          DEFINITIONS,
          `${unreadable.length - MAX_PLACED} more parts of the document could not be read (the first ${MAX_PLACED} are listed)`,
        ),
      );
    }
    return { definitions: result.rootElement as ModdleElement, problems, unresolved };
  } catch (error) {
    return { definitions: null, problems: [fatalToProblem(error, source)], unresolved: [] };
  }
}

function warningToProblem(warning: ModdleWarning, element: ModdleElement): BpmnProblem | null {
  const { property } = warning;
  const owner = withId(element);
  const on = owner === element ? '' : ` on ${element.$type}`;
  const unresolved = /^unresolved reference <(.*)>$/.exec(warning.message);
  if (unresolved) {
    const what = property?.replace(/^bpmn:/, '') ?? 'reference';
    return problem(
      owner.id ?? '-',
      owner.$type,
      `${what}${on} '${unresolved[1]}' does not exist in this document`,
    );
  }
  const unknownAttribute = /^unknown attribute <(.*)>$/.exec(warning.message);
  if (unknownAttribute) {
    const name = unknownAttribute[1] ?? '';
    const prefix = name.includes(':') ? name.split(':')[0] : element.$type.split(':')[0];
    // Attributes of DI, colour and foreign namespaces do not matter to the engine.
    if (!EXECUTED_PREFIXES.has(prefix ?? '')) return null;
    return problem(
      owner.id ?? '-',
      owner.$type,
      `unknown attribute '${name}'${on} (not part of BPMN 2.0 or the zeebe extensions)`,
    );
  }
  return problem(owner.id ?? '-', owner.$type, `${oneLine(warning.message)}${on}`);
}

/** The element itself when it has an id, else its nearest ancestor with one. */
function withId(element: ModdleElement): ModdleElement {
  let current: ModdleElement | undefined = element;
  while (current && !current.id) current = current.$parent;
  return current ?? element;
}

interface MessageParts {
  readonly tag: string | null;
  readonly line: number | null;
  readonly column: number | null;
  readonly nested: string;
}

/** Splits moddle's multi-line "unparsable content <tag> detected / line / column / nested error" text. */
function messageParts(message: string): MessageParts {
  const tag = /unparsable content <([^>\s]*)[^>]*>? detected/.exec(message)?.[1] ?? null;
  const line = /\bline: (\d+)/.exec(message)?.[1];
  const column = /\bcolumn: (\d+)/.exec(message)?.[1];
  return {
    tag,
    line: line === undefined ? null : Number(line),
    column: column === undefined ? null : Number(column),
    nested: /nested error: (.*)/.exec(message)?.[1]?.trim() ?? oneLine(message),
  };
}

/**
 * A moddle warning about content it could not read (unknown element, duplicate id, ...): one
 * line naming the element (or, for an element without id, the nearest enclosing one) and the
 * 1-based line. `unreadId` is the id of the element that was skipped, if it has one.
 */
function unparsableToProblem(
  message: string,
  source: XmlSource,
  fatal: boolean,
): { problem: BpmnProblem; unreadId: string | null } {
  const { tag, line, column, nested } = messageParts(message);
  const where = line === null ? '' : ` at line ${line + 1}`;
  const offset = line === null || column === null ? null : source.offset(line, column);
  const at = offset === null ? null : source.tagAt(offset);
  const start = at?.offset ?? offset;
  const open = start === null ? [] : source.openAt(start);
  const text = (element: string): string => {
    const duplicate = /^duplicate ID <(.*)>$/.exec(nested)?.[1];
    const parent = open.at(-1);
    if (at && /^unknown type </.test(nested)) {
      return `unknown element <${at.name}>${where} (not part of BPMN 2.0 or the zeebe extensions)`;
    }
    if (at && parent && /^unrecognized element </.test(nested)) {
      return `<${at.name}>${where} is not allowed inside <${parent.name}>`;
    }
    if (duplicate !== undefined) {
      return `id '${duplicate}'${where} is already used by another element (ids must be unique)`;
    }
    return `${fatal ? 'malformed XML' : 'unparsable content'}${element}${where}: ${nested}`;
  };
  if (at?.id) {
    return { problem: problem(at.id, source.type(at.name), text('')), unreadId: at.id };
  }
  const enclosing = withIdOf(open);
  if (enclosing?.id) {
    return {
      problem: problem(enclosing.id, source.type(enclosing.name), text(at ? ` <${at.name}>` : '')),
      unreadId: null,
    };
  }
  const bpmnType = at
    ? source.type(at.name)
    : tag && /^[A-Za-z_][\w:.-]*$/.test(tag)
      ? source.type(tag)
      : DEFINITIONS;
  return { problem: problem('-', bpmnType, text('')), unreadId: null };
}

/** A document moddle refused to read at all: not XML, not well-formed, or not BPMN. */
function fatalToProblem(error: unknown, source: XmlSource): BpmnProblem {
  const message = error instanceof Error ? error.message : String(error);
  const warnings = (error as { warnings?: readonly ModdleWarning[] } | null)?.warnings ?? [];
  if (/^failed to parse document as/.test(message)) {
    const root = warnings
      .map((warning) => /unexpected element <([^>]*)>/.exec(warning.message)?.[1])
      .find((name) => name !== undefined);
    return problem(
      '-',
      DEFINITIONS,
      `not a BPMN 2.0 document: the root element is ${root ? `<${root}>` : 'not <bpmn:definitions>'}, expected <bpmn:definitions> in the namespace ${BPMN_NAMESPACE}`,
    );
  }
  const { line, column, nested } = messageParts(message);
  const offset = line === null || column === null ? null : source.offset(line, column);
  switch (nested) {
    case 'missing start tag':
      return problem('-', DEFINITIONS, 'malformed XML: the document is not XML (no root element)');
    case 'unexpected end of file': {
      const open = source.openAt(source.length);
      const unclosed = open.at(-1);
      if (!unclosed) break;
      const owner = withIdOf(open);
      return problem(
        owner?.id ?? '-',
        owner ? source.type(owner.name) : DEFINITIONS,
        `malformed XML: unexpected end of file, <${unclosed.name}> (line ${source.lineOf(unclosed.offset)}) is not closed`,
      );
    }
    case 'closing tag mismatch': {
      const closing = offset === null ? null : source.tagAt(offset);
      const open = closing ? source.openAt(closing.offset) : [];
      const unclosed = open.at(-1);
      if (!unclosed || !closing) break;
      const owner = withIdOf(open);
      return problem(
        owner?.id ?? '-',
        owner ? source.type(owner.name) : DEFINITIONS,
        `malformed XML at line ${source.lineOf(closing.offset)}: closing tag </${closing.name}> does not match <${unclosed.name}> (line ${source.lineOf(unclosed.offset)})`,
      );
    }
  }
  return unparsableToProblem(message, source, true).problem;
}

interface OpenTag {
  readonly name: string;
  readonly id: string | null;
  /** Offset of its `<` in the document. */
  readonly offset: number;
}

/** Comments, CDATA, processing instructions and declarations, or a start or end tag. */
const TAG =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][^>]*>|<(\/?)([^\s/>]+)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;

/** The raw XML text, read just enough to say where a problem is and what it is in. */
class XmlSource {
  private readonly prefixes = new Map<string, string>();

  constructor(private readonly xml: string) {
    for (const match of xml.matchAll(/\sxmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']/g)) {
      const known = KNOWN_NAMESPACES[match[2] ?? ''];
      if (known && !this.prefixes.has(match[1] ?? '')) this.prefixes.set(match[1] ?? '', known);
    }
  }

  get length(): number {
    return this.xml.length;
  }

  /** The offset of a 0-based line and column (as saxen counts them). */
  offset(line: number, column: number): number | null {
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    for (let i = 0; i < line; i++) {
      const match = breaks.exec(this.xml);
      if (!match) return null;
      start = match.index + match[0].length;
    }
    return start + column;
  }

  /** The 1-based line of an offset. */
  lineOf(offset: number): number {
    return (this.xml.slice(0, offset).match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
  }

  /** The tag that starts at or encloses `offset`. */
  tagAt(offset: number): OpenTag | null {
    const start = this.xml.lastIndexOf('<', offset);
    if (start < 0) return null;
    const end = this.xml.indexOf('>', start);
    const text = this.xml.slice(start, end < 0 ? undefined : end + 1);
    const name = /^<\/?([A-Za-z_][\w:.-]*)/.exec(text)?.[1];
    if (!name) return null;
    return { name, id: idOf(text), offset: start };
  }

  /** The elements open at `end` (a tag's `<`, or the end of the text), outermost first. */
  openAt(end: number): OpenTag[] {
    const open: OpenTag[] = [];
    for (const match of this.xml.matchAll(TAG)) {
      if (match.index >= end) break;
      const [text, closing, name, attributes] = match;
      if (!name) continue;
      if (closing) {
        const index = open.map((element) => element.name).lastIndexOf(name);
        if (index >= 0) open.length = index;
      } else if (!attributes?.trimEnd().endsWith('/')) {
        open.push({ name, id: idOf(text), offset: match.index });
      }
    }
    return open;
  }

  /** `bpmn:userTask` -> `bpmn:UserTask`: moddle's name, with the prefix moddle uses. */
  type(tag: string): string {
    const [prefix, local] = tag.includes(':') ? tag.split(':', 2) : ['', tag];
    const name = local ?? '';
    const known = this.prefixes.get(prefix ?? '') ?? (prefix || 'bpmn');
    return `${known}:${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  }
}

/** The innermost of the open elements that has an id. */
function withIdOf(open: readonly OpenTag[]): OpenTag | undefined {
  return [...open].reverse().find((element) => element.id);
}

function idOf(tag: string): string | null {
  return (
    /\sid\s*=\s*(?:"([^"]*)"|'([^']*)')/
      .exec(tag)
      ?.slice(1)
      .find((id) => id !== undefined) ?? null
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
