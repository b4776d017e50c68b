import { Suspense, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { loginUrl, setUnauthorisedHandler } from '../api/client';
import { ApiError } from '../api/errors';
import { AppLayout } from './AppLayout';
import { AuthProvider, homeOf, meQuery, useMe } from './auth';
import { ErrorBoundary } from './ErrorBoundary';
import { lazyPage } from './lazyPage';
import { queryClient } from './queryClient';
import { NotFound, PageLoading, RetryResult } from './results';
import { prefetchInbox } from '../pages/inbox/queries';

// Every page is its own chunk: bpmn-js, form-js and ECharts load only with the pages using them.
const LoginPage = lazyPage(() => import('./LoginPage'));
const PasswordPage = lazyPage(() => import('./PasswordPage'));
const InboxPage = lazyPage(() => import('../pages/inbox/InboxPage'));
// The secretary's first page: its chunks load while who-am-I is asked, not after it answered.
// A first load of the inbox asks for its steps at once, beside who-am-I and the page's chunks,
// so that the list shows in the page's first render; on / they are asked once who-am-I says
// the inbox is this person's home.
if (window.location.pathname === '/inbox' || window.location.pathname === '/') {
  void InboxPage.preload();
  const onInbox = window.location.pathname === '/inbox';
  if (onInbox) prefetchInbox(queryClient, window.location.search);
  void queryClient
    .fetchQuery(meQuery)
    .then((me) => {
      if (!onInbox && homeOf(me) === '/inbox') prefetchInbox(queryClient, window.location.search);
    })
    .catch(() => undefined); // not logged in, or offline: the shell says so
}
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
