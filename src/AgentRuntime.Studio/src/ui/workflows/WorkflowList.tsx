import { api } from '../../api/endpoints';
import { formatDateTime, formatVersion } from '../../model/format';
import { hrefFor } from '../../model/routes';
import type { WorkflowSummary } from '../../model/types';
import { Badge, ErrorView, Loading } from '../common/Status';
import { useResource } from '../common/useResource';
import { navigate } from '../router';

export function WorkflowList() {
  const [workflows, reload] = useResource('workflows', (signal) => api.listWorkflows({ signal }));
  return (
    <section className="page" aria-labelledby="workflows-heading">
      <div className="page-heading">
        <h1 id="workflows-heading">Workflows</h1>
        <div className="button-row">
          <a className="button" href={hrefFor({ name: 'designer' })}>
            New workflow
          </a>
          <button type="button" className="button button-quiet" onClick={reload}>
            Refresh
          </button>
        </div>
      </div>
      {workflows.state === 'loading' ? (
        <Loading what="workflows" />
      ) : workflows.state === 'error' ? (
        <ErrorView error={workflows.error} onRetry={reload} />
      ) : workflows.data.length === 0 ? (
        <p className="empty">
          No workflows yet. Add a definition under <code>workflows/</code> or import one through the API.
        </p>
      ) : (
        <WorkflowTable workflows={workflows.data} />
      )}
    </section>
  );
}

function WorkflowTable({ workflows }: { workflows: WorkflowSummary[] }) {
  const sorted = [...workflows].sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id));
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">All workflows, with their owner and versions</caption>
        <thead>
          <tr>
            <th scope="col">Workflow</th>
            <th scope="col">Owner</th>
            <th scope="col">Latest</th>
            <th scope="col">Published</th>
            <th scope="col">Status</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((w) => {
            const href = hrefFor({ name: 'workflow', id: w.id });
            return (
              <tr
                key={w.id}
                className="row-link"
                onClick={(e) => {
                  // The name cell's link is the keyboard path; a click anywhere else on the row does the same.
                  if (!(e.target instanceof HTMLAnchorElement)) navigate(href);
                }}
              >
                <th scope="row">
                  <a href={href} className="row-title">
                    {w.name || w.id}
                  </a>
                  {w.name ? <span className="row-sub">{w.id}</span> : null}
                </th>
                <td>{w.owner || <span className="missing">no owner</span>}</td>
                <td>{formatVersion(w.latestVersion)}</td>
                <td>{formatVersion(w.publishedVersion)}</td>
                <td>
                  {w.retired ? (
                    <Badge tone="muted">retired</Badge>
                  ) : w.publishedVersion ? (
                    <Badge tone="ok">published</Badge>
                  ) : (
                    <Badge tone="info">draft</Badge>
                  )}
                </td>
                <td>
                  <time dateTime={w.updatedAt ?? undefined}>{formatDateTime(w.updatedAt)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
