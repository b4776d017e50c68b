import { lazy, Suspense, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { loginUrl, setUnauthorisedHandler } from '../api/client';
import { ApiError } from '../api/errors';
import { AppLayout } from './AppLayout';
import { AuthProvider, homeOf, useMe } from './auth';
import { ErrorBoundary } from './ErrorBoundary';
import { NotFound, PageLoading, RetryResult } from './results';

// Every page is its own chunk: bpmn-js, form-js and ECharts load only with the pages using them.
const LoginPage = lazy(() => import('./LoginPage'));
const PasswordPage = lazy(() => import('./PasswordPage'));
const loadInbox = () => import('../pages/inbox/InboxPage');
const InboxPage = lazy(loadInbox);
// The secretary's first page: its chunks load while who-am-I is asked, not after it answered.
if (window.location.pathname === '/inbox' || window.location.pathname === '/') void loadInbox();
const TaskPage = lazy(() => import('../pages/tasks/TaskPage'));
const CockpitPage = lazy(() => import('../pages/cockpit/CockpitPage'));
const LedgerPage = lazy(() => import('../pages/ledger/LedgerPage'));
const LedgerItemPage = lazy(() => import('../pages/ledger/LedgerItemPage'));
const OverduePage = lazy(() => import('../pages/overdue/OverduePage'));
const InstancesPage = lazy(() => import('../pages/instances/InstancesPage'));
const InstancePage = lazy(() => import('../pages/instances/InstancePage'));
const TemplatesPage = lazy(() => import('../pages/templates/TemplatesPage'));
const TemplatePage = lazy(() => import('../pages/templates/TemplatePage'));
const OrgPage = lazy(() => import('../pages/org/OrgPage'));
const OrgUnitPage = lazy(() => import('../pages/org/OrgUnitPage'));
const NotificationsPage = lazy(() => import('../pages/notifications/NotificationsPage'));

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
