import { isOpen, slaStatus, type HumanTask } from '../../model/inbox';
import { useNow } from './hooks';
import { ErrorView } from '../common/Status';

/** The live SLA countdown of a task (refreshes every second); the text says the state in words, colour only repeats it. */
export function SlaCountdown({ task }: { task: Pick<HumanTask, 'state' | 'dueAt' | 'escalatedAt' | 'timeoutAt'> }) {
  const now = useNow();
  if (!isOpen(task)) return null; // a decided task has no countdown; its state is shown beside it
  const sla = slaStatus(task, now);
  return (
    <span className={`sla sla-${sla.tone}`} title={task.dueAt ? `Due ${new Date(task.dueAt).toLocaleString()}` : undefined}>
      {sla.text}
    </span>
  );
}

/** A JSON value, readable: pretty-printed in a scrollable block. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  if (value === undefined || value === null) return <p className="missing">none</p>;
  return (
    <pre className="json-block" aria-label={label} tabIndex={0}>
      {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** Confidence as a meter plus the number in words (the colour is never the only signal). */
export function Confidence({ value }: { value: number }) {
  const pct = Math.round(value * 1000) / 10;
  const tone = value >= 0.9 ? 'ok' : value >= 0.7 ? 'warn' : 'bad';
  return (
    <span className={`confidence confidence-${tone}`}>
      <meter min={0} max={1} low={0.7} high={0.9} optimum={1} value={value} aria-label="Agent confidence">
        {pct}%
      </meter>{' '}
      <strong>{pct}%</strong>
    </span>
  );
}

/** "Mine / all" radio pair of the task lists (inbox, reviews): `name` keeps each page's group separate. */
export function ScopeToggle({
  name,
  scope,
  onChange,
  mine,
  all,
}: {
  name: string;
  scope: 'mine' | 'all';
  onChange: (scope: 'mine' | 'all') => void;
  mine: string;
  all: string;
}) {
  return (
    <fieldset className="segmented">
      <legend className="visually-hidden">Show</legend>
      <label>
        <input type="radio" name={name} checked={scope === 'mine'} onChange={() => onChange('mine')} /> {mine}
      </label>
      <label>
        <input type="radio" name={name} checked={scope === 'all'} onChange={() => onChange('all')} /> {all}
      </label>
    </fieldset>
  );
}

/**
 * A refused decision: the server's problem, a line saying the person's work is kept, and — when the task changed under
 * them (stale revision) — a reload that keeps it. Nothing typed is lost on a failed save.
 */
export function KeptWorkError({ error, stale, kept, reloadLabel, onReload }: { error: unknown; stale: boolean; kept: string; reloadLabel: string; onReload: () => void }) {
  return (
    <div className="stack">
      <ErrorView error={error} />
      <p className="fact-note">{kept}</p>
      {stale ? (
        <button type="button" className="button button-quiet" onClick={onReload}>
          {reloadLabel}
        </button>
      ) : null}
    </div>
  );
}
