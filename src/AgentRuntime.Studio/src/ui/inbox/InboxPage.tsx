import { useState } from 'react';
import { workApi } from '../../api/work';
import { formatDateTime } from '../../model/format';
import { kindLabel, offeredTo, OPEN_STATES, priorityTone, type HumanTask } from '../../model/inbox';
import { isReviewTask } from '../../model/reviews';
import { hrefFor } from '../../model/routes';
import { Badge, ErrorView, Loading } from '../common/Status';
import { ScopeToggle, SlaCountdown } from './Common';
import { useLoaded } from '../common/useLoaded';
import { useInterval } from './hooks';
import './work.css';

const REFRESH_MS = 10_000;

export function taskHref(task: Pick<HumanTask, 'id' | 'kind'>): string {
  return hrefFor(isReviewTask(task) ? { name: 'review', id: task.id } : { name: 'task', id: task.id });
}

/** My tasks and my roles' tasks (assignee=me), most urgent first; or every open task, to see what others hold. */
export function InboxPage() {
  const [scope, setScope] = useState<'mine' | 'all'>('mine');
  const [tasks, refresh] = useLoaded(`inbox:${scope}`, (signal) => workApi.listTasks({ mine: scope === 'mine', states: OPEN_STATES }, { signal }));
  useInterval(refresh, REFRESH_MS);
  return (
    <section className="page work-page" aria-labelledby="inbox-heading">
      <div className="page-heading">
        <div>
          <h1 id="inbox-heading">Inbox</h1>
          <p className="subtitle">Open tasks {scope === 'mine' ? 'for you and your roles' : 'for everyone'}, most urgent first.</p>
        </div>
        <div className="toolbar">
          <ScopeToggle name="inbox-scope" scope={scope} onChange={setScope} mine="My tasks" all="All open tasks" />
          <button type="button" className="button button-quiet" onClick={refresh}>
            Refresh
          </button>
        </div>
      </div>
      {tasks.error ? <ErrorView error={tasks.error} onRetry={refresh} /> : null}
      {tasks.data === null ? (
        tasks.loading ? <Loading what="tasks" /> : null
      ) : tasks.data.length === 0 ? (
        <p className="empty">Nothing waiting {scope === 'mine' ? 'for you' : ''}. New tasks appear here on their own.</p>
      ) : (
        <TaskTable tasks={tasks.data} />
      )}
    </section>
  );
}

export function TaskTable({ tasks, caption = 'Open tasks' }: { tasks: HumanTask[]; caption?: string }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label={caption}>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Kind</th>
            <th scope="col">Priority</th>
            <th scope="col">Offered to</th>
            <th scope="col">State</th>
            <th scope="col">SLA</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.id} data-task-id={t.id}>
              <th scope="row">
                <a href={taskHref(t)} className="row-title">
                  {t.title}
                </a>
                {t.workflowId ? <span className="row-sub">{t.workflowId}{t.nodeId ? ` · ${t.nodeId}` : ''}</span> : null}
                {!t.workflowId && t.subjectId ? <span className="row-sub">{t.subjectType}: {t.subjectId}</span> : null}
              </th>
              <td>{kindLabel(t.kind)}</td>
              <td>
                <Badge tone={priorityTone(t.priority)}>{t.priority ?? 'normal'}</Badge>
              </td>
              <td>{offeredTo(t)}</td>
              <td>{t.state === 'claimed' ? `claimed by ${t.claimedBy}` : t.state}</td>
              <td>
                <SlaCountdown task={t} />
              </td>
              <td>
                <time dateTime={t.createdAt}>{formatDateTime(t.createdAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
