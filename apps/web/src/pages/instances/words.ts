/** What a person reads of an instance: its state, its history's events, its incidents. */

export type InstanceState = 'active' | 'incident' | 'completed' | 'terminated';

export const STATE_WORDS: Record<InstanceState, { label: string; color: string }> = {
  active: { label: '进行中', color: 'processing' },
  incident: { label: '出现故障', color: 'error' },
  completed: { label: '已完成', color: 'success' },
  terminated: { label: '已终止', color: 'default' },
};

export const STATE_OPTIONS = (Object.keys(STATE_WORDS) as InstanceState[]).map((value) => ({
  value,
  label: STATE_WORDS[value].label,
}));

export function stateWords(state: string): { label: string; color: string } {
  return STATE_WORDS[state as InstanceState] ?? { label: state, color: 'default' };
}

/** The history's events a person follows, in words; the engine's bookkeeping is left out. */
export const EVENT_WORDS: Record<string, { label: string; color: string }> = {
  'instance.started': { label: '发起流程', color: 'blue' },
  'task.created': { label: '步骤开始', color: 'gray' },
  'task.claimed': { label: '认领步骤', color: 'blue' },
  'task.completed': { label: '办结步骤', color: 'green' },
  'task.cancelled': { label: '步骤取消', color: 'gray' },
  'task.reminded': { label: '催办提醒', color: 'orange' },
  'task.escalated': { label: '逾期上报', color: 'red' },
  'timer.fired': { label: '定时到达', color: 'gray' },
  'incident.created': { label: '出现故障', color: 'red' },
  'incident.resolved': { label: '故障已解决', color: 'green' },
  'ledger.opened': { label: '生成台账事项', color: 'gray' },
  'ledger.submitted': { label: '台账事项已提交', color: 'blue' },
  'ledger.cancelled': { label: '台账事项已取消', color: 'gray' },
  'instance.completed': { label: '流程完成', color: 'green' },
  'instance.cancelled': { label: '取消流程', color: 'gray' },
  'instance.terminated': { label: '流程终止', color: 'gray' },
};

/**
 * An incident's message in Chinese: what went wrong at which step, from the engine's English
 * reason (kept for whoever fixes it, as 技术信息).
 */
export function incidentWords(message: string, elementName: string): string {
  const at = `「${elementName}」`;
  if (/no outgoing sequence flow .* has a true condition/.test(message))
    return `${at}没有符合条件的下一步（分支条件都不成立，也没有默认分支），流程在此暂停。`;
  if (/^condition of sequence flow/.test(message))
    return `${at}之后的分支条件无法计算（可能缺少所需的数据），流程在此暂停。`;
  if (/multi-instance|not a list/.test(message))
    return `${at}需要一个名单（列表），但得到的数据不是列表，流程在此暂停。`;
  if (/is not deployed|no none start event|calls deep/.test(message))
    return `${at}要调用的子流程无法启动，流程在此暂停。`;
  if (/^timer /.test(message)) return `${at}的时间设置有误，流程在此暂停。`;
  if (/activated more than/.test(message))
    return `${at}处一次经过的环节过多（可能是没有等待的循环），流程在此暂停。`;
  if (/[\u4e00-\u9fff]/.test(message)) return `${at}：${message}`;
  return `${at}处理出错，流程在此暂停。`;
}

/** A business key holding an id (e.g. a member's) is for machines: not shown. */
export const UUID_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * What the scheduled starts and the engine call the variables they set (the forms' fields are
 * named by the forms, `labels` of the instance's diagram).
 */
export const VARIABLE_WORDS: Record<string, string> = {
  branchId: '党组织',
  orgUnitId: '党组织',
  memberId: '党员',
  memberIds: '党员名单',
  memberCount: '党员人数',
  month: '月份',
  year: '年度',
  attendance: '参加党员',
};
