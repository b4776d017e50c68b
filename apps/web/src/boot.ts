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
const path = window.location.pathname;
const inboxFirst = path === '/inbox' || path === '/';
if (inboxFirst) {
  askEarly(meQuery);
  if (path === '/inbox') eachInboxQuery(window.location.search, askEarly);
}

import('./main').catch((error: unknown) => {
  console.error(error);
  const root = document.getElementById('root');
  if (root) root.textContent = '页面未能加载，请检查网络后刷新浏览器。';
});

// Then, once the requests above have gone (openapi-fetch sends them a few microtasks on), what
// takes this thread tens of milliseconds: parsing the stylesheet, adding the inbox's preloads
setTimeout(() => {
  applyStylesheets();
  // a failure here is App.tsx's to report, when it loads the page itself
  if (inboxFirst) void import('./pages/inbox/InboxPage').catch(() => undefined);
}, 0);
