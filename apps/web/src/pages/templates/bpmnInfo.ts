/**
 * What the templates pages read of a BPMN file in the browser (the uploaded one too): each
 * element's name and type, and which user tasks show which form; and the deploy refusal's
 * lint problems (`details: [{ elementId, bpmnType, message }]`, worded in English by the
 * linter) said in Chinese, the linter's own words kept beside them.
 */

export interface BpmnElementInfo {
  readonly name: string | null;
  /** `bpmn:UserTask` */
  readonly type: string;
}

export interface BpmnInfo {
  readonly elements: ReadonlyMap<string, BpmnElementInfo>;
  /** Form id → the names (or ids) of the user tasks that show it. */
  readonly formUsers: ReadonlyMap<string, readonly string[]>;
}

const EMPTY: BpmnInfo = { elements: new Map(), formUsers: new Map() };

export function readBpmnInfo(xml: string | undefined): BpmnInfo {
  if (!xml) return EMPTY;
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) return EMPTY;
  const elements = new Map<string, BpmnElementInfo>();
  const formUsers = new Map<string, string[]>();
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const id = element.getAttribute('id');
    if (id && !element.localName.startsWith('BPMN') && element.localName !== 'definitions') {
      const type = `bpmn:${element.localName.charAt(0).toUpperCase()}${element.localName.slice(1)}`;
      elements.set(id, { name: element.getAttribute('name'), type });
    }
    if (element.localName === 'formDefinition') {
      const formId = element.getAttribute('formId');
      let task: Element | null = element.parentElement;
      while (task && task.localName !== 'userTask') task = task.parentElement;
      if (formId && task) {
        const users = formUsers.get(formId) ?? [];
        users.push(task.getAttribute('name') ?? task.getAttribute('id') ?? '');
        formUsers.set(formId, users);
      }
    }
  }
  return { elements, formUsers };
}

/** BPMN element types as an integrator reads them in Chinese. */
const TYPE_NAMES: Record<string, string> = {
  'bpmn:Definitions': '文件',
  'bpmn:Process': '流程',
  'bpmn:Collaboration': '协作图',
  'bpmn:StartEvent': '开始事件',
  'bpmn:EndEvent': '结束事件',
  'bpmn:IntermediateCatchEvent': '中间捕获事件',
  'bpmn:IntermediateThrowEvent': '中间抛出事件',
  'bpmn:BoundaryEvent': '边界事件',
  'bpmn:UserTask': '用户任务',
  'bpmn:ServiceTask': '服务任务',
  'bpmn:ScriptTask': '脚本任务',
  'bpmn:BusinessRuleTask': '业务规则任务',
  'bpmn:SendTask': '发送任务',
  'bpmn:ReceiveTask': '接收任务',
  'bpmn:ManualTask': '手工任务',
  'bpmn:Task': '任务',
  'bpmn:SubProcess': '子流程',
  'bpmn:CallActivity': '调用活动',
  'bpmn:ExclusiveGateway': '排他网关',
  'bpmn:ParallelGateway': '并行网关',
  'bpmn:InclusiveGateway': '包容网关',
  'bpmn:EventBasedGateway': '事件网关',
  'bpmn:ComplexGateway': '复杂网关',
  'bpmn:SequenceFlow': '顺序流',
};

export function typeName(bpmnType: string): string {
  return TYPE_NAMES[bpmnType] ?? '元素';
}

/** One lint problem of a refused deployment, as the api details it. */
export interface LintProblem {
  readonly elementId: string;
  readonly bpmnType: string;
  readonly message: string;
}

/** The problems of a TEMPLATE_INVALID refusal's details (anything else is left out). */
export function lintProblems(details: unknown): LintProblem[] {
  if (!Array.isArray(details)) return [];
  return (details as unknown[]).flatMap((entry) => {
    if (!entry || typeof entry !== 'object') return [];
    const { elementId, bpmnType, message } = entry as Record<string, unknown>;
    return typeof elementId === 'string' && typeof message === 'string'
      ? [{ elementId, bpmnType: typeof bpmnType === 'string' ? bpmnType : '', message }]
      : [];
  });
}

type Rule = readonly [RegExp, (match: RegExpMatchArray) => string];

/** The linter's wordings, most specific first; anything else reads 未通过校验. */
const RULES: readonly Rule[] = [
  [
    /^form '([^']+)' is missing/,
    (m) => `找不到表单「${m[1]}」：请把 ${m[1]}.form 与 .bpmn 文件一起上传，或先部署带有它的模板`,
  ],
  [/^form '([^']+)'/, (m) => `表单「${m[1]}」不是有效的 form-js 表单`],
  [
    /type '([^']+)' has no handler(?:: the known service-task types are ([^(]+?) \()?/,
    (m) =>
      `服务任务类型「${m[1]}」没有对应的处理程序` +
      (m[2] ? `（可用的类型：${m[2].split(/,\s*/).join('、')}）` : ''),
  ],
  [/^(.+?) is not valid FEEL/, (m) => `${m[1]} 不是有效的 FEEL 表达式`],
  [
    /^unknown element <([^>]+)>/,
    (m) => `无法识别的元素 <${m[1]}>（不属于 BPMN 2.0 或 zeebe 扩展）`,
  ],
  [/Camunda 7 model/, () => '这是 Camunda 7 的模型写法：请改用 Camunda 8（zeebe）扩展'],
  [/must not have incoming/, () => '开始事件不能有流入的顺序流'],
  [/must not have outgoing/, () => '结束事件不能有流出的顺序流'],
  [/needs a condition/, () => '网关的出口顺序流缺少条件（或应设为默认流）'],
  [/ISO-8601|not a valid (date|duration)/, () => '时间表达式不是有效的 ISO-8601 格式'],
  [/malformed XML|not XML|not well-formed/i, () => '文件不是有效的 XML'],
  [/document is empty/, () => '文件是空的'],
  [/cycle/, () => '调用活动与其他模板互相调用，形成循环'],
  [/is not supported/, () => '此元素或写法不受支持'],
  [/is not executed here/, () => '此属性或扩展不会被执行：请删除，或改用受支持的写法'],
  [/must be given together/, () => '这两项必须同时填写'],
];

/** A lint problem in Chinese (the linter's English stays beside it, for the details). */
export function problemText(message: string): string {
  for (const [pattern, say] of RULES) {
    const match = message.match(pattern);
    if (match) return say(match);
  }
  return '未通过校验';
}

/** 「用户任务「填写走访记录」」, or the type alone for an element without a name. */
export function elementLabel(
  problem: LintProblem,
  info: BpmnInfo,
): { what: string; id: string | null } {
  if (problem.elementId === '-') return { what: typeName(problem.bpmnType), id: null };
  const element = info.elements.get(problem.elementId);
  const type = typeName(problem.bpmnType || element?.type || '');
  return {
    what: element?.name ? `${type}「${element.name}」` : type,
    id: problem.elementId,
  };
}
