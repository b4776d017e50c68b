import { QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App, firstPage } from './app/App';
import { queryClient } from './app/queryClient';
import { stylesheetsLoaded } from './app/stylesheets';
import { THEME } from './app/theme';

// No Ant Design <App> here: it brings modal, notification and message to every first page
// (about 20 KB gzip). A page that shows a message uses `message.useMessage()` and renders its
// holder.

// Ant Design's styles come from a stylesheet the build generates from THEME (vite.config.ts):
// with zeroRuntime the components do not generate and insert their CSS in the browser, which
// took about a third of a second of the first page's main thread.
const theme = { ...THEME, zeroRuntime: true };

// The styles first; on a first load of the inbox its chunks and answers too, so that it shows
// in one render
void Promise.all([stylesheetsLoaded(), firstPage]).then(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ConfigProvider locale={zhCN} theme={theme} button={{ autoInsertSpace: false }}>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </QueryClientProvider>
      </ConfigProvider>
    </StrictMode>,
  );
});
