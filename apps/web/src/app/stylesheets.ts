/**
 * The app's stylesheets (Ant Design's, vite.config.ts) are only preloaded by index.html, so that
 * boot.ts runs as soon as it has loaded rather than after them (a script waits for the page's
 * stylesheets): boot.ts applies them at once, and the first render waits for them (main.tsx),
 * so that nothing shows unstyled. In development Vite inserts the styles itself: nothing to do.
 */

let loaded: Promise<unknown> = Promise.resolve();

/** Turns index.html's preloaded stylesheets into applied ones. */
export function applyStylesheets(): void {
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

/** Resolves once the stylesheets applied by applyStylesheets have loaded (or failed to). */
export function stylesheetsLoaded(): Promise<unknown> {
  return loaded;
}
