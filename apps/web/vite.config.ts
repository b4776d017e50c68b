import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

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
