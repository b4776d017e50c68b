/** What a person reads of a BPMN file: element names, documentation and zeebe properties. */
export interface BpmnText {
  readonly names: ReadonlyMap<string, string>;
  documentation(elementId: string): string | null;
  property(elementId: string, name: string): string | null;
}

export function readBpmn(xml: string | undefined): BpmnText {
  const names = new Map<string, string>();
  if (!xml) return { names, documentation: () => null, property: () => null };
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const byId = new Map<string, Element>();
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const id = element.getAttribute('id');
    if (!id) continue;
    byId.set(id, element);
    const name = element.getAttribute('name');
    if (name) names.set(id, name);
  }
  const children = (element: Element | undefined, localName: string) =>
    element
      ? Array.from(element.getElementsByTagName('*')).filter((e) => e.localName === localName)
      : [];
  return {
    names,
    documentation(elementId) {
      const own = byId.get(elementId);
      const doc = own
        ? Array.from(own.children).find((child) => child.localName === 'documentation')
        : undefined;
      return doc?.textContent?.trim() || null;
    },
    property(elementId, name) {
      const found = children(byId.get(elementId), 'property').find(
        (p) => p.getAttribute('name') === name,
      );
      return found?.getAttribute('value') ?? null;
    },
  };
}
