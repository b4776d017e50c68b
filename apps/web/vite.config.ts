import { fileURLToPath } from 'node:url';
import { extractStyle } from '@ant-design/static-style-extract';
import { ConfigProvider } from 'antd';
import { createElement, type ReactElement } from 'react';
import { defineConfig, type Plugin } from 'vite';
import { THEME } from './src/app/theme';

const root = fileURLToPath(new URL('.', import.meta.url));

const ANTD_CSS = 'virtual:antd-theme.css';
/** Not `\0`-prefixed: Vite's CSS pipeline handles it as a stylesheet by its `.css` ending. */
const ANTD_CSS_RESOLVED = '/@antd-theme.css';

/**
 * `import 'virtual:antd-theme.css'` (main.tsx): every Ant Design component's styles with the
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
      // (its types name React 18's global JSX namespace, gone in React 19: the node typed here)
      css ??= extractStyle((node: ReactElement) =>
        createElement(ConfigProvider, { theme: THEME }, node),
      );
      return css;
    },
  };
}

/**
 * The web app: built to apps/web/dist (the api serves it at `/`); `npm run dev:web` serves it
 * with `/api` proxied to the api on port 3000. JSX is compiled by Vite's Oxc (automatic
 * runtime). Every page is a lazy chunk, so bpmn-js, form-js and ECharts load only on the
 * pages that import them; React, the router, TanStack Query and Ant Design's core share one
 * vendor chunk loaded with the first page.
 */
export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [antdThemeStylesheet()],
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
