/**
 * Steps this browser has opened: the inbox marks the others 「未读」 (with the server's unread
 * notifications about a step). Kept in localStorage, bounded.
 */
const KEY = 'branchflow.openedTasks';
const LIMIT = 500;

function read(): string[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(raw) ? raw.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export function openedTasks(): ReadonlySet<string> {
  return new Set(read());
}

export function markTaskOpened(id: string): void {
  const ids = read().filter((known) => known !== id);
  ids.push(id);
  try {
    localStorage.setItem(KEY, JSON.stringify(ids.slice(-LIMIT)));
  } catch {
    // storage full or denied: the badge stays, nothing else depends on it
  }
}
