import { Suspense, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { loginUrl, setUnauthorisedHandler } from '../api/client';
import { ApiError } from '../api/errors';
import { AppLayout } from './AppLayout';
import { AuthProvider, useMe } from './auth';
import { early } from './early';
import { ErrorBoundary } from './ErrorBoundary';
import { lazyPage } from './lazyPage';
import { homeOf, meQuery } from './me';
import { queryClient } from './queryClient';
import { NotFound, PageLoading, RetryResult } from './results';
import { prefetchInbox } from '../pages/inbox/queries';

// Every page is its own chunk: bpmn-js, form-js and ECharts load only with the pages using them.
const LoginPage = lazyPage(() => import('./LoginPage'));
const PasswordPage = lazyPage(() => import('./PasswordPage'));
const InboxPage = lazyPage(() => import('../pages/inbox/InboxPage'));
/** The longest the first render waits for the first page (`firstPage`) before it shows a spinner. */
const FIRST_RENDER_WAIT_MS = 1_000;

/**
 * What the app's first render waits for (main.tsx), so that it shows the page rather than a
 * spinner and then the page: on a first load of the inbox, the secretaries' home, the page's
 * chunks and who-am-I and the inbox's answers — asked by boot.ts before React had loaded, so
 * they have usually come by now; on /, who-am-I and, when the inbox is this person's home, the
 * inbox's answers. At most FIRST_RENDER_WAIT_MS; at once on any other page.
 */
export const firstPage: Promise<unknown> = (() => {
  const path = window.location.pathname;
  if (path !== '/inbox' && path !== '/') return Promise.resolve();
  const search = window.location.search;
  const ready = Promise.all([
    InboxPage.preload().catch(() => undefined), // a failed chunk: the page's error boundary says so
    path === '/inbox' ? prefetchInbox(queryClient, search) : undefined,
    queryClient
      .fetchQuery(early(meQuery))
      .then((me) =>
        path === '/' && homeOf(me) === '/inbox' ? prefetchInbox(queryClient, search) : undefined,
      )
      .catch(() => undefined), // not logged in, or offline: the shell says so
  ]);
  return Promise.race([ready, new Promise((done) => setTimeout(done, FIRST_RENDER_WAIT_MS))]);
})();

const TaskPage = lazyPage(() => import('../pages/tasks/TaskPage'));
const CockpitPage = lazyPage(() => import('../pages/cockpit/CockpitPage'));
const LedgerPage = lazyPage(() => import('../pages/ledger/LedgerPage'));
const LedgerItemPage = lazyPage(() => import('../pages/ledger/LedgerItemPage'));
const OverduePage = lazyPage(() => import('../pages/overdue/OverduePage'));
const InstancesPage = lazyPage(() => import('../pages/instances/InstancesPage'));
const InstancePage = lazyPage(() => import('../pages/instances/InstancePage'));
const TemplatesPage = lazyPage(() => import('../pages/templates/TemplatesPage'));
const TemplatePage = lazyPage(() => import('../pages/templates/TemplatePage'));
const OrgPage = lazyPage(() => import('../pages/org/OrgPage'));
const OrgUnitPage = lazyPage(() => import('../pages/org/OrgUnitPage'));
const NotificationsPage = lazyPage(() => import('../pages/notifications/NotificationsPage'));

/** The pages behind log-in: who am I first; a forced password change before anything else. */
function Protected() {
  const me = useMe();
  const location = useLocation();
  const here = location.pathname + location.search;
  if (me.isPending) return <PageLoading />;
  if (me.isError) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      return <Navigate to={loginUrl(here)} replace />;
    }
    return <RetryResult error={me.error} onRetry={() => void me.refetch()} />;
  }
  if (me.data.mustChangePassword) {
    return <Navigate to={`/account/password?next=${encodeURIComponent(here)}`} replace />;
  }
  return (
    <AuthProvider me={me.data}>
      <AppLayout />
    </AuthProvider>
  );
}

function Home() {
  const me = useMe();
  return me.data ? <Navigate to={homeOf(me.data)} replace /> : <PageLoading />;
}

/** A 401 from any call goes to the log-in page through the router, keeping the wanted URL. */
function UnauthorisedRedirect() {
  const navigate = useNavigate();
  useEffect(() => {
    setUnauthorisedHandler(() => {
      const here = window.location.pathname + window.location.search;
      if (!here.startsWith('/login')) void navigate(loginUrl(here), { replace: true });
    });
  }, [navigate]);
  return null;
}

export function App() {
  const location = useLocation();
  return (
    <ErrorBoundary resetKey={location.pathname}>
      <UnauthorisedRedirect />
      <Suspense fallback={<PageLoading />}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/account/password" element={<PasswordPage />} />
          <Route element={<Protected />}>
            <Route index element={<Home />} />
            <Route path="inbox" element={<InboxPage />} />
            <Route path="tasks/:id" element={<TaskPage />} />
            <Route path="cockpit" element={<CockpitPage />} />
            <Route path="ledger" element={<LedgerPage />} />
            <Route path="ledger/items/:id" element={<LedgerItemPage />} />
            <Route path="overdue" element={<OverduePage />} />
            <Route path="instances" element={<InstancesPage />} />
            <Route path="instances/:id" element={<InstancePage />} />
            <Route path="templates" element={<TemplatesPage />} />
            <Route path="templates/:key" element={<TemplatePage />} />
            <Route path="org" element={<OrgPage />} />
            <Route path="org/units/:id" element={<OrgUnitPage />} />
            <Route path="notifications" element={<NotificationsPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </Suspense>
    </ErrorBoundary>
  );
}
