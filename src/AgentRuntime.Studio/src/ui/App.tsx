import { useEffect, useRef } from 'react';
import { isWorkRoute } from '../model/inbox.routes'; // --- work surfaces ---
import { WorkPage } from './inbox/WorkPage'; // --- work surfaces ---
import { Header } from './Header';
import { useRoute } from './router';
import { WorkflowList } from './workflows/WorkflowList';
import { WorkflowDetailPage } from './workflows/WorkflowDetailPage';
import { DesignerPage } from './designer/DesignerPage'; // --- designer ---
import { hrefFor } from '../model/routes';

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const routeKey = route.name === 'workflow' ? `workflow:${route.id}` : route.name === 'designer' ? `designer:${route.id ?? '(new)'}` : route.name;

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
