/**
 * A page's filters kept in the URL's query string, so that every list is reachable by URL
 * and the browser's back returns to the filters it left.
 */

/** The `page` parameter: a whole number from 1 to `max`, 1 when missing or not a number. */
export function pageParam(params: URLSearchParams, max = Number.MAX_SAFE_INTEGER): number {
  return Math.max(1, Math.min(max, Number.parseInt(params.get('page') ?? '1', 10) || 1));
}

/**
 * The query string with `changes` applied: an empty or undefined value removes its parameter;
 * changing anything but the page goes back to the first page.
 */
export function withChanges(
  params: URLSearchParams,
  changes: Record<string, string | undefined>,
): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  if (!('page' in changes)) next.delete('page');
  return next;
}
