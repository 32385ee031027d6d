import { summarizeProblems, type LocatedProblem } from '../../model/designer/problems';

/**
 * The live problem list: the server's verdict on the current draft (errors block publishing, warnings are readiness
 * gaps). Each problem is a button: it selects the node (or opens the governance section) it is about.
 */
export function ProblemList({ problems, checking, onPick }: { problems: LocatedProblem[] | null; checking: boolean; onPick: (p: LocatedProblem) => void }) {
  return (
    <section className="problem-list" aria-labelledby="problems-heading">
      <h2 id="problems-heading" className="panel-title">
        Problems{' '}
        <span className="problem-summary" role="status" aria-live="polite" data-testid="problem-summary">
          {problems === null ? (checking ? 'checking…' : '') : summarizeProblems(problems)}
          {checking && problems !== null ? ' (checking…)' : ''}
        </span>
      </h2>
      {problems && problems.length > 0 ? (
        <ul>
          {problems.map((p, i) => (
            <li key={i} className={p.isError ? 'problem-error' : 'problem-warning'}>
              <button type="button" className="problem-item" onClick={() => onPick(p)} data-node-id={p.nodeId}>
                <span className="problem-severity">{p.isError ? 'error' : 'warning'}</span> <span className="problem-code">{p.code}</span>{' '}
                {p.nodeId ? <code className="problem-node">{p.nodeId}</code> : p.section ? <span className="problem-node">{p.section}</span> : null} {p.message}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
