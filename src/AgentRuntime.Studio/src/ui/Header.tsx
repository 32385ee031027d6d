import { useEffect, useState } from 'react';
import { api } from '../api/endpoints';
import type { Route } from '../model/routes';
import { hrefFor } from '../model/routes';
import { SignIn } from './SignIn';
import { WorkNavItems } from './inbox/WorkNav'; // --- work surfaces ---

const HEALTH_INTERVAL_MS = 15_000;

type Health = 'checking' | 'ready' | 'not-ready';

function HealthIndicator() {
  const [health, setHealth] = useState<Health>('checking');
  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    const check = async () => {
      try {
        setHealth((await api.ready({ signal: controller.signal })) ? 'ready' : 'not-ready');
      } catch {
        return; // aborted
      }
      timer = window.setTimeout(check, HEALTH_INTERVAL_MS);
    };
    void check();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, []);
  const text = health === 'checking' ? 'checking…' : health === 'ready' ? 'ready' : 'not ready';
  return (
    <p className={`health health-${health}`} role="status" aria-live="polite" title="GET /health/ready">
      <span className="health-dot" aria-hidden="true" />
      <span className="visually-hidden">Host health: </span>
      {text}
    </p>
  );
}

export function Header({ route }: { route: Route }) {
  const inWorkflows = route.name === 'workflows' || route.name === 'workflow' || route.name === 'designer';
  return (
    <header className="app-header">
      <a className="brand" href={hrefFor({ name: 'workflows' })}>
        <span className="brand-mark" aria-hidden="true">◆</span> AgentRuntime Studio
      </a>
      <nav aria-label="Main">
        <ul className="nav-list">
          <WorkNavItems route={route} />
          <li>
            <a href={hrefFor({ name: 'workflows' })} aria-current={inWorkflows ? 'page' : undefined}>
              Workflows
            </a>
          </li>
          {/* --- ops --- */}
          <li>
            <a href={hrefFor({ name: 'ops' })} aria-current={route.name === 'ops' || route.name === 'ops-instance' ? 'page' : undefined}>
              Ops
            </a>
          </li>
          <li>
            <a href={hrefFor({ name: 'dashboards' })} aria-current={route.name === 'dashboards' || route.name === 'dashboard' ? 'page' : undefined}>
              Dashboards
            </a>
          </li>
          {/* --- end ops --- */}
        </ul>
      </nav>
      <SignIn />
      <HealthIndicator />
    </header>
  );
}
