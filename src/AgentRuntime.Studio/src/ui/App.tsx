import { useEffect, useRef } from 'react';
import { isWorkRoute } from '../model/inbox.routes'; // --- work surfaces ---
import { WorkPage } from './inbox/WorkPage'; // --- work surfaces ---
import { Header } from './Header';
import { useRoute } from './router';
import { WorkflowList } from './workflows/WorkflowList';
import { WorkflowDetailPage } from './workflows/WorkflowDetailPage';
import { DesignerPage } from './designer/DesignerPage'; // --- designer ---
import { hrefFor } from '../model/routes';
import { OpsConsole } from './ops/OpsConsole';
import { InstancePage } from './ops/InstancePage';
import { DashboardIndex, DashboardPage } from './dashboards/DashboardPage';

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
      </main>
    </div>
  );
}
