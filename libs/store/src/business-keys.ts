/**
 * Business keys of the instances the scheduler starts (the monthly kick-off). They live in a
 * namespace people cannot write: the api refuses a start whose business key begins with one of
 * SCHEDULED_KEY_PREFIXES, so no one can take (and so block) a key the kick-off will need. A
 * business key is unique per template within an org unit (a key used in another unit is not a
 * duplicate).
 */
export const SCHEDULED_KEY_PREFIXES = ['theme-day:', 'political-birthday:'] as const;

/** `theme-day:<branchId>:<YYYY-MM>`: a branch's theme day of a month. */
export function themeDayKey(branchId: string, month: string): string {
  return `theme-day:${branchId}:${month}`;
}

/** `political-birthday:<memberId>:<YYYY>`: a member's political birthday of a year. */
export function politicalBirthdayKey(memberId: string, year: number): string {
  return `political-birthday:${memberId}:${year}`;
}

/** Whether a business key is in the scheduler's namespace (refused when a person starts). */
export function isScheduledBusinessKey(key: string): boolean {
  return SCHEDULED_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}
