import { isOpen, slaStatus, type HumanTask } from '../../model/inbox';
import { useNow } from './hooks';

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
