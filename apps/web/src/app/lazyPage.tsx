import { type ComponentType, lazy } from 'react';

export interface LazyPage {
  (): React.JSX.Element;
  /** Starts loading the page's chunks now (e.g. while who-am-I is asked). */
  preload(): Promise<unknown>;
}

/**
 * A page in its own chunk, like React.lazy, except that once its chunk has loaded it renders
 * at once. React.lazy suspends on its first render even when the import has already resolved,
 * and React holds a Suspense fallback at least 300 ms before revealing what it waited for: on
 * the inbox's first load that put a third of a second between the page's chunks arriving
 * (preloaded beside /api/auth/me) and its first request for the steps.
 */
export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: ComponentType | undefined;
  let loading: Promise<{ default: ComponentType }> | undefined;
  const preload = () =>
    (loading ??= load().then(
      (module) => {
        loaded = module.default;
        return module;
      },
      (error: unknown) => {
        loading = undefined; // a later render may try again
        throw error;
      },
    ));
  const Lazy = lazy(preload);
  const Page = () => {
    const Loaded = loaded;
    return Loaded ? <Loaded /> : <Lazy />;
  };
  return Object.assign(Page, { preload });
}
