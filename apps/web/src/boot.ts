import 'virtual:antd-theme.css';
import { askEarly } from './app/early';
import { meQuery } from './app/me';
import { applyStylesheets } from './app/stylesheets';
import { eachInboxQuery } from './pages/inbox/queries';

/**
 * The page's script, small and without React or Ant Design: on a first load of the inbox — the
 * secretaries' home, also behind `/` — it asks the api who is logged in and what the inbox
 * shows and starts loading the inbox page, then loads the app (main.tsx, whose chunks
 * index.html already preloads). The api answers while the browser still runs React and Ant
 * Design, and App.tsx takes these answers (app/early.ts), so the shell and the list show in
 * the app's first render.
 */
applyStylesheets();

const path = window.location.pathname;
if (path === '/inbox' || path === '/') {
  askEarly(meQuery);
  if (path === '/inbox') eachInboxQuery(window.location.search, askEarly);
  void import('./pages/inbox/InboxPage').catch(() => undefined); // App.tsx reports a failure
}

import('./main').catch((error: unknown) => {
  console.error(error);
  const root = document.getElementById('root');
  if (root) root.textContent = '页面未能加载，请检查网络后刷新浏览器。';
});
