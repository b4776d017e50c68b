import type { QueryClient } from '@tanstack/react-query';
import { api, must, serverNow } from '../../api/client';
import { early } from '../../app/early';
import { shanghaiWeek } from '../../components/time';
import type { Light } from '../../components/TrafficLight';
import { pageParam } from '../../components/urlParams';

/**
 * What the inbox asks the api, apart from the page (which is a chunk of its own): the app's
 * start asks it while the page's chunks load.
 */

export const PAGE_SIZE = 20;
const LIGHTS: readonly Light[] = ['red', 'yellow', 'green'];

export type Filters = ReturnType<typeof filtersOf>;

export function filtersOf(params: URLSearchParams) {
  return {
    templateKey: params.get('template') ?? undefined,
    light: LIGHTS.find((known) => known === params.get('light')),
    thisWeek: params.get('week') === '1',
    sort: params.get('sort') === 'created' ? ('created' as const) : ('due' as const),
    page: pageParam(params, 500),
  };
}

export function tasksQuery(filters: Filters) {
  return {
    queryKey: ['tasks', 'inbox', filters],
    queryFn: async () =>
      must(
        await api.GET('/api/tasks', {
          params: {
            query: {
              state: 'open',
              templateKey: filters.templateKey,
              light: filters.light,
              dueBefore: filters.thisWeek
                ? new Date(shanghaiWeek(serverNow()).end).toISOString()
                : undefined,
              sort: filters.sort,
              page: filters.page,
              pageSize: PAGE_SIZE,
            },
          },
        }),
      ),
  };
}

export const templatesQuery = {
  queryKey: ['templates', 'names'],
  queryFn: async () => must(await api.GET('/api/templates')),
  staleTime: 5 * 60_000,
};

/** Server-side unread notifications that name a step. */
export const unreadTaskIdsQuery = {
  queryKey: ['notifications', 'unread-tasks'],
  queryFn: async () => {
    const page = must(
      await api.GET('/api/notifications', { params: { query: { unread: true, pageSize: 100 } } }),
    );
    return new Set(page.items.map((item) => item.taskId).filter((id): id is string => !!id));
  },
};

/** A query as boot.ts and App.tsx hand it on. */
type AnyQuery = <T>(query: {
  readonly queryKey: readonly unknown[];
  readonly queryFn: () => Promise<T>;
}) => void;

/** Hands `each` the queries of the inbox at `search` (a URL's query string) for its first render. */
export function eachInboxQuery(search: string, each: AnyQuery): void {
  each(tasksQuery(filtersOf(new URLSearchParams(search))));
  each(templatesQuery);
  each(unreadTaskIdsQuery);
}

/**
 * Asks for what the inbox shows at `search` before the shell and the page have rendered
 * (App.tsx, on a first load of the inbox, taking the answers boot.ts asked for even earlier):
 * resolves once the answers are in the cache, failed or not, so that the page's first render
 * shows the list.
 */
export function prefetchInbox(client: QueryClient, search: string): Promise<unknown> {
  const prefetches: Promise<void>[] = [];
  eachInboxQuery(search, (query) => {
    prefetches.push(client.prefetchQuery(early(query)));
  });
  return Promise.all(prefetches);
}
