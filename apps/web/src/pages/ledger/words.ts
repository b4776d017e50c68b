import type { components } from '../../api/schema';

export type LedgerItem = components['schemas']['LedgerListItemDto'];
export type LedgerItemDetail = components['schemas']['LedgerItemDetailDto'];
export type LedgerList = LedgerItem['list'];
export type LedgerState = LedgerItem['state'];
export type LedgerEntry = components['schemas']['LedgerEntryDto'];

/** 三单制: the api's list kinds as a person reads them. */
export const LIST_WORDS: Record<LedgerList, string> = {
  problem: '问题清单',
  task: '任务清单',
  responsibility: '责任清单',
};
export const LISTS: readonly LedgerList[] = ['problem', 'task', 'responsibility'];

/** An item's state in Chinese (the api's refusals name 「已提交」 and 「已销号」 the same way). */
export const STATE_WORDS: Record<LedgerState, string> = {
  open: '挂账',
  in_progress: '整改中',
  submitted: '已提交',
  closed: '已销号',
  cancelled: '已取消',
};
export const STATES: readonly LedgerState[] = [
  'open',
  'in_progress',
  'submitted',
  'closed',
  'cancelled',
];

export const STATE_COLORS: Record<LedgerState, string> = {
  open: 'blue',
  in_progress: 'processing',
  submitted: 'gold',
  closed: 'success',
  cancelled: 'default',
};

/** What each entry of an item's life says. */
export const ENTRY_WORDS: Record<LedgerEntry['kind'], { label: string; color: string }> = {
  opened: { label: '挂账', color: 'blue' },
  progress: { label: '报告进展', color: 'blue' },
  submitted: { label: '提交佐证材料', color: 'gold' },
  rejected: { label: '退回', color: 'red' },
  closed: { label: '销号', color: 'green' },
  reopened: { label: '回头看：重新打开', color: 'orange' },
  escalated: { label: '督办', color: 'red' },
  cancelled: { label: '取消', color: 'gray' },
};

/** The states whose light still shines (null once closed or cancelled). */
export const LIVE: readonly LedgerState[] = ['open', 'in_progress', 'submitted'];
