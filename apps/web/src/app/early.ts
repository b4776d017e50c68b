/**
 * Answers asked for before React and Ant Design have loaded: boot.ts asks, on a first load of
 * the inbox, what the inbox's first render shows, and the app's first run of the same query
 * (App.tsx) takes that answer instead of asking again. The api answers while the browser still
 * runs the app's scripts, so the page shows its list in its first render.
 */

interface Query<T> {
  readonly queryKey: readonly unknown[];
  readonly queryFn: () => Promise<T>;
}

const asked = new Map<string, Promise<unknown>>();

const keyOf = (query: Query<unknown>) => JSON.stringify(query.queryKey);

/** Asks now what `query` asks; the answer waits for `early(query)`'s first run. */
export function askEarly(query: Query<unknown>): void {
  const answer = query.queryFn();
  // A failure is the query's to report when it runs (or nobody's, if it never does)
  answer.catch(() => undefined);
  asked.set(keyOf(query), answer);
}

/** `query`, whose first run takes the answer asked early, if there is one. */
export function early<Q extends Query<unknown>>(query: Q): Q {
  const queryFn = () => {
    const answer = asked.get(keyOf(query));
    if (answer === undefined) return query.queryFn();
    asked.delete(keyOf(query));
    return answer;
  };
  return { ...query, queryFn };
}
