// bpmn-moddle ships its types only under 'bpmn-moddle/types'; this is the part we use.
declare module 'bpmn-moddle' {
  export interface FromXmlResult {
    rootElement: unknown;
    warnings?: unknown[];
    references?: unknown[];
    elementsById?: Record<string, unknown>;
  }
  export class BpmnModdle {
    constructor(packages?: Record<string, object>, options?: object);
    fromXML(xml: string, typeName?: string): Promise<FromXmlResult>;
    toXML(element: unknown, options?: { format?: boolean }): Promise<{ xml: string }>;
  }
}
