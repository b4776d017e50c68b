/**
 * The app's stylesheets (Ant Design's, vite.config.ts) are only preloaded by index.html, so that
 * boot.ts runs as soon as it has loaded rather than after them (a script waits for the page's
 * stylesheets): boot.ts applies them once its requests have gone, and the first render waits
 * for them (main.tsx), so that nothing shows unstyled. In development Vite inserts the styles
 * itself: nothing to do.
 */

let loaded: Promise<unknown> | undefined;

/** Turns index.html's preloaded stylesheets into applied ones (once). */
export function applyStylesheets(): void {
  if (loaded) return;
  const links = [...document.querySelectorAll<HTMLLinkElement>('link[rel="preload"][as="style"]')];
  loaded = Promise.all(
    links.map(
      (link) =>
        new Promise((done) => {
          link.addEventListener('load', done, { once: true });
          link.addEventListener('error', done, { once: true }); // the page shows, if unstyled
          link.rel = 'stylesheet';
        }),
    ),
  );
}

/** Resolves once the stylesheets have loaded (or failed to), applying them if not yet done. */
export function stylesheetsLoaded(): Promise<unknown> {
  applyStylesheets();
  return loaded ?? Promise.resolve();
}
