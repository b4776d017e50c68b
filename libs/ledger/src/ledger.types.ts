/** The three lists of the 三单制: 问题清单, 任务清单, 责任清单. Every user task lands on `task`. */
export const LEDGER_LISTS = ['problem', 'task', 'responsibility'] as const;
export type LedgerList = (typeof LEDGER_LISTS)[number];

/** open (挂账) → in_progress → submitted → closed (销号); cancelled when its task was. */
export const LEDGER_STATES = ['open', 'in_progress', 'submitted', 'closed', 'cancelled'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

export const LEDGER_SOURCES = ['task', 'manual'] as const;
export type LedgerSource = (typeof LEDGER_SOURCES)[number];

export const LEDGER_ENTRY_KINDS = [
  'opened',
  'progress',
  'submitted',
  'rejected',
  'closed',
  'reopened',
  'escalated',
  'cancelled',
] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/** 亮灯: green on track, yellow due within N days, red overdue; null once closed or cancelled. */
export const TRAFFIC_LIGHTS = ['green', 'yellow', 'red'] as const;
export type TrafficLight = (typeof TRAFFIC_LIGHTS)[number];

/** States in which the responsible side still has work to do (what escalates when late). */
export const WORKING_STATES: readonly LedgerState[] = ['open', 'in_progress'];
/** States that are not ended (the light shines). */
export const LIVE_STATES: readonly LedgerState[] = ['open', 'in_progress', 'submitted'];

/** A ledger item as stored, with the 四个明确 (dueAt, orgUnitId + responsible, standard, assessingUnitId). */
export interface LedgerItem {
  readonly id: string;
  readonly list: LedgerList;
  readonly source: LedgerSource;
  readonly taskId: string | null;
  readonly instanceId: string | null;
  readonly title: string;
  readonly standard: string | null;
  readonly orgUnitId: string | null;
  readonly responsible: string | null;
  readonly assessingUnitId: string | null;
  readonly dueAt: Date | null;
  readonly state: LedgerState;
  readonly escalations: number;
  readonly escalatedAt: Date | null;
  readonly escalatedTo: string | null;
  readonly submittedAt: Date | null;
  readonly closedAt: Date | null;
  readonly closedBy: string | null;
  readonly reopened: number;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The task's assignee and state (task items only): who may answer for it, and whether it is done. */
  readonly taskAssignee: string | null;
  readonly taskState: string | null;
  /** Paths and names of the unit and the assessing unit (for access checks and exports). */
  readonly unitPath: string | null;
  readonly unitName: string | null;
  readonly assessingPath: string | null;
  readonly assessingUnitName: string | null;
}

export interface LedgerEntry {
  readonly id: string;
  readonly kind: LedgerEntryKind;
  readonly actor: string;
  readonly note: string | null;
  readonly data: Record<string, unknown>;
  readonly at: Date;
}

export interface LedgerAttachment {
  readonly id: string;
  readonly entryId: string | null;
  readonly fileName: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly uploadedBy: string;
  readonly uploadedAt: Date;
}

export interface NewLedgerItem {
  readonly list: LedgerList;
  readonly title: string;
  readonly standard: string;
  readonly orgUnitId: string;
  readonly responsible: string;
  readonly assessingUnitId: string;
  /** Epoch ms. */
  readonly dueAt: number;
}

/** Chinese labels for exports and messages. */
export const LIST_LABELS: Record<LedgerList, string> = {
  problem: '问题清单',
  task: '任务清单',
  responsibility: '责任清单',
};

export const STATE_LABELS: Record<LedgerState, string> = {
  open: '挂账',
  in_progress: '推进中',
  submitted: '待销号',
  closed: '已销号',
  cancelled: '已取消',
};

export const LIGHT_LABELS: Record<TrafficLight, string> = {
  green: '绿灯',
  yellow: '黄灯',
  red: '红灯',
};
