import { useMemo, useState } from 'react';
import { api } from '../../api/endpoints';
import { opsApi } from '../../api/ops';
import {
  RANGE_LABELS,
  dashboardCharts,
  dashboardQuery,
  formatValue,
  type DashboardRange,
  type DashboardReport,
} from '../../model/dashboards/dashboards';
import { hrefFor } from '../../model/routes';
import { ErrorView, Loading } from '../common/Status';
import { useResource } from '../common/useResource';
import { Chart } from './Chart';
import './dashboards.css';

/** Which workflow's dashboard: a list of links. */
export function DashboardIndex() {
  const [workflows, reload] = useResource('dash:workflows', (signal) => api.listWorkflows({ signal }));
  return (
    <section className="page" aria-labelledby="dashboards-heading">
      <h1 id="dashboards-heading">Dashboards</h1>
      {workflows.state === 'loading' ? (
        <Loading what="workflows" />
      ) : workflows.state === 'error' ? (
        <ErrorView error={workflows.error} onRetry={reload} />
      ) : (
        <ul className="dashboard-index">
          {[...workflows.data]
            .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id))
            .map((w) => (
              <li key={w.id}>
                <a href={hrefFor({ name: 'dashboard', workflowId: w.id })}>{w.name || w.id}</a> <span className="row-sub">{w.id}</span>
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}

/** A workflow's charts over time, with the window and bucket size chosen by the reader. */
export function DashboardPage({ workflowId }: { workflowId: string }) {
  const [range, setRange] = useState<DashboardRange>('7d');
  const [bucket, setBucket] = useState<'hour' | 'day'>('day');
  const query = useMemo(() => dashboardQuery(new Date(), range, bucket), [range, bucket]);
  const [report, reload] = useResource(`dash:${workflowId}:${query}`, (signal) => opsApi.dashboard(workflowId, query, { signal }));
  const title = report.state === 'ready' ? report.data.name || workflowId : workflowId;
  return (
    <section className="page page-wide dashboard-page" aria-labelledby="dashboard-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'dashboards' })}>Dashboards</a> <span aria-hidden="true">/</span>
      </p>
      <div className="page-heading">
        <div>
          <h1 id="dashboard-heading">{title}</h1>
          <p className="subtitle">
            <a href={hrefFor({ name: 'workflow', id: workflowId })}>
              <code>{workflowId}</code>
            </a>{' '}
            · <a href={hrefFor({ name: 'ops' })}>Ops console</a>
          </p>
        </div>
        <form className="dashboard-controls" aria-label="Dashboard options" onSubmit={(e) => e.preventDefault()}>
          <label>
            <span id="dash-window">Window</span>
            <select aria-labelledby="dash-window" value={range} onChange={(e) => setRange(e.target.value as DashboardRange)}>
              {(Object.keys(RANGE_LABELS) as DashboardRange[]).map((r) => (
                <option key={r} value={r}>
                  {RANGE_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span id="dash-bucket">Per</span>
            <select aria-labelledby="dash-bucket" value={bucket} onChange={(e) => setBucket(e.target.value as 'hour' | 'day')}>
              <option value="hour">hour</option>
              <option value="day">day</option>
            </select>
          </label>
          <button type="button" className="button button-quiet" onClick={reload}>
            Refresh
          </button>
        </form>
      </div>
      {report.state === 'loading' ? (
        <Loading what="the dashboard" />
      ) : report.state === 'error' ? (
        <ErrorView error={report.error} onRetry={reload} />
      ) : (
        <DashboardView report={report.data} />
      )}
    </section>
  );
}

function DashboardView({ report }: { report: DashboardReport }) {
  const charts = useMemo(() => dashboardCharts(report), [report]);
  const s = report.summary;
  const o = report.outcome;
  const tiles: [string, string][] = [
    ['Started', formatValue(s.started, 'count')],
    ['Completed', formatValue(s.completed, 'count')],
    ['Cycle time p50', formatValue(s.cycleP50Seconds, 'duration')],
    ['Approval latency p50', formatValue(s.approvalP50Seconds, 'duration')],
    ['Edit rate', formatValue(s.editRate, 'percent')],
    ['Override rate', formatValue(s.overrideRate, 'percent')],
    ['Shadow agreement', formatValue(s.shadowAgreement, 'percent')],
    ['Audit pass rate', formatValue(s.auditPassRate, 'percent')],
    ['Agent cost', formatValue(s.cost, 'money')],
  ];
  if (o) tiles.push([`${o.metric} meeting target`, formatValue(o.summary.metRatio, 'percent')]);
  return (
    <>
      <h2 className="visually-hidden">Totals for the window</h2>
      <dl className="tiles">
        {tiles.map(([k, v]) => (
          <div key={k} className="tile">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h2 className="visually-hidden">Charts</h2>
      <div className="chart-grid">
        {charts.map((c) => (
          <Chart key={c.id} spec={c} bucket={report.bucket} />
        ))}
      </div>
    </>
  );
}
