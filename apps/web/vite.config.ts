import { fileURLToPath } from 'node:url';
import { extractStyle } from '@ant-design/static-style-extract';
import { ConfigProvider } from 'antd';
import { createElement, type ReactElement } from 'react';
import { defineConfig, type HtmlTagDescriptor, type Plugin, type Rolldown } from 'vite';
import { THEME } from './src/app/theme';

const root = fileURLToPath(new URL('.', import.meta.url));

const ANTD_CSS = 'virtual:antd-theme.css';
/** Not `\0`-prefixed: Vite's CSS pipeline handles it as a stylesheet by its `.css` ending. */
const ANTD_CSS_RESOLVED = '/@antd-theme.css';

/**
 * `import 'virtual:antd-theme.css'` (boot.ts): every Ant Design component's styles with the
 * app's THEME, as one static stylesheet, generated here as antd generates its own antd.css
 * (@ant-design/static-style-extract renders each component on the server and collects what it
 * would have inserted). The app's ConfigProvider sets `zeroRuntime`, so the browser generates
 * none of it; the theme's tokens (the `--ant-*` variables) are still set at run time.
 */
function antdThemeStylesheet(): Plugin {
  let css: string | undefined;
  return {
    name: 'branchflow:antd-theme-css',
    resolveId: (id) => (id === ANTD_CSS ? ANTD_CSS_RESOLVED : undefined),
    load(id) {
      if (id !== ANTD_CSS_RESOLVED) return undefined;
      css ??= quietly(() =>
        // (its types name React 18's global JSX namespace, gone in React 19: the node typed here)
        extractStyle((node: ReactElement) => createElement(ConfigProvider, { theme: THEME }, node)),
      );
      return css;
    },
  };
}

/** Runs `make` without the console: the extraction renders every component, deprecated ones too. */
function quietly<T>(make: () => T): T {
  const { error, warn } = console;
  console.error = console.warn = () => undefined;
  try {
    return make();
  } finally {
    Object.assign(console, { error, warn });
  }
}

/**
 * index.html's script is src/boot.ts, which asks the api early and then loads the app
 * (src/main.tsx) with a dynamic import. Two changes to the built page let boot.ts run as soon as
 * it has loaded: the app's chunks are preloaded by the page itself (as Vite does for an entry's
 * static imports), so they load beside boot.ts rather than after it ran; and the stylesheets are
 * only preloaded — a script waits for the page's stylesheets, a preload does not hold it —, for
 * boot.ts to apply (src/app/stylesheets.ts) and the first render to wait for.
 */
function firstLoadHtml(): Plugin {
  return {
    name: 'branchflow:first-load-html',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { bundle, chunk: entry }) {
        if (!bundle || !entry) return html;
        const chunks = Object.values(bundle).filter(
          (output): output is Rolldown.OutputChunk => output.type === 'chunk',
        );
        const app = chunks.find((chunk) => chunk.facadeModuleId === `${root}src/main.tsx`);
        if (!app) throw new Error('first-load-html: no chunk for src/main.tsx');
        const initial = reachable(bundle, entry.fileName, new Set());
        const wanted = reachable(bundle, app.fileName, initial);
        const css = [...initial, ...wanted].flatMap((fileName) => chunkCss(bundle, fileName));
        const stylesheet = /<link rel="stylesheet" crossorigin href="\/([^"]+\.css)">\n?/g;
        return {
          html: html.replace(stylesheet, (link, href: string) => (css.includes(href) ? '' : link)),
          tags: [
            ...[...new Set(css)].map((href) => preload(href, 'preload', 'style')),
            ...[...wanted].map((href) => preload(href, 'modulepreload')),
          ],
        };
      },
    },
  };
}

function preload(href: string, rel: string, as?: string): HtmlTagDescriptor {
  return {
    tag: 'link',
    attrs: { rel, ...(as ? { as } : {}), crossorigin: true, href: `/${href}` },
    injectTo: 'head',
  };
}

/** `fileName` and the chunks it imports, transitively, apart from those in `skip`. */
function reachable(
  bundle: Rolldown.OutputBundle,
  fileName: string,
  skip: ReadonlySet<string>,
): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (skip.has(name) || found.has(name)) return;
    found.add(name);
    (bundle[name] as Rolldown.OutputChunk).imports.forEach(visit);
  };
  visit(fileName);
  return found;
}

function chunkCss(bundle: Rolldown.OutputBundle, fileName: string): string[] {
  const chunk = bundle[fileName] as Rolldown.OutputChunk & {
    viteMetadata?: { importedCss: Set<string> };
  };
  return [...(chunk.viteMetadata?.importedCss ?? [])];
}

/**
 * The web app: built to apps/web/dist (the api serves it at `/`); `npm run dev:web` serves it
 * with `/api` proxied to the api on port 3000. JSX is compiled by Vite's Oxc (automatic
 * runtime). index.html loads src/boot.ts, which loads the app (src/main.tsx) and every page is
 * a lazy chunk, so bpmn-js, form-js and ECharts load only on the pages that import them; React,
 * the router, TanStack Query and Ant Design's core share one vendor chunk loaded with the first
 * page.
 */
export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [antdThemeStylesheet(), firstLoadHtml()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // Ant Design's modules start with "use client" (for React Server Components): meaningless here
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
      output: {
        codeSplitting: {
          groups: [
            {
              name: 'vendor',
              test: /node_modules[\\/](react|react-dom|react-router|scheduler|@tanstack)[\\/]/,
            },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    // API_URL: another api than the one `npm start` runs on port 3000
    proxy: { '/api': { target: process.env.API_URL ?? 'http://localhost:3000' } },
  },
});
