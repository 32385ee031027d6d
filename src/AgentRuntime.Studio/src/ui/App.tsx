import { lazy, Suspense, useEffect, useRef } from 'react';
import { isWorkRoute } from '../model/inbox.routes'; // --- work surfaces ---
import { Header } from './Header';
import { useRoute } from './router';
import { WorkflowList } from './workflows/WorkflowList';
import { hrefFor } from '../model/routes';
import { Loading } from './common/Status';
// The pages' style sheets stay global, in the order the single bundle had them: pages share class names (.field,
// .button-row…), so a sheet loaded only with its page would leave another page unstyled until that one was visited.
import './inbox/work.css';
import './designer/designer.css';
import './ops/ops.css';
import './dashboards/dashboards.css';

// Pages other than the landing list load on first visit (each its own chunk; the canvas library with the pages that
// draw one), so the first screen does not wait for code it does not show.
const WorkPage = lazy(() => import('./inbox/WorkPage').then((m) => ({ default: m.WorkPage }))); // --- work surfaces ---
const WorkflowDetailPage = lazy(() => import('./workflows/WorkflowDetailPage').then((m) => ({ default: m.WorkflowDetailPage })));
const DesignerPage = lazy(() => import('./designer/DesignerPage').then((m) => ({ default: m.DesignerPage }))); // --- designer ---
const OpsConsole = lazy(() => import('./ops/OpsConsole').then((m) => ({ default: m.OpsConsole })));
const InstancePage = lazy(() => import('./ops/InstancePage').then((m) => ({ default: m.InstancePage })));
const DashboardIndex = lazy(() => import('./dashboards/DashboardPage').then((m) => ({ default: m.DashboardIndex })));
const DashboardPage = lazy(() => import('./dashboards/DashboardPage').then((m) => ({ default: m.DashboardPage })));

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const routeKey =
    route.name === 'workflow'
      ? `workflow:${route.id}`
      : route.name === 'designer'
        ? `designer:${route.id ?? '(new)'}`
        : route.name === 'ops-instance'
          ? `ops:${route.id}`
          : route.name === 'dashboard'
            ? `dash:${route.workflowId}`
            : route.name;

  // Move focus to the new page's content after navigation, as a page load would, so keyboard and screen-reader users
  // start at the top of what changed.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [routeKey]);

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" ref={main} tabIndex={-1} className="app-main">
        <Suspense fallback={<section className="page"><Loading what="the page" /></section>}>
        {isWorkRoute(route) ? (
          <WorkPage route={route} />
        ) : route.name === 'workflows' ? (
          <WorkflowList />
        ) : route.name === 'workflow' ? (
          <WorkflowDetailPage key={route.id} id={route.id} />
        ) : route.name === 'designer' ? (
          <DesignerPage key={route.id ?? '(new)'} id={route.id} />
        ) : route.name === 'ops' ? (
          <OpsConsole />
        ) : route.name === 'ops-instance' ? (
          <InstancePage key={route.id} id={route.id} />
        ) : route.name === 'dashboards' ? (
          <DashboardIndex />
        ) : route.name === 'dashboard' ? (
          <DashboardPage key={route.workflowId} workflowId={route.workflowId} />
        ) : (
          <section className="page">
            <h1>Page not found</h1>
            <p>
              There is nothing at <code>{route.path}</code>. <a href={hrefFor({ name: 'workflows' })}>Go to the workflows</a>.
            </p>
          </section>
        )}
        </Suspense>
      </main>
    </div>
  );
}
