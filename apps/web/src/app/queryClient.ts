import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/errors';

/** The app's one query client (also used before the first render, to ask early). */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change on its own; a lost connection or a 5xx may
      retry: (failures, error) =>
        failures < 2 && !(error instanceof ApiError && error.status > 0 && error.status < 500),
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});
