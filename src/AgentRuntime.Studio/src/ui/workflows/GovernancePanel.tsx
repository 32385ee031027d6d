import { formatPercent, formatTarget } from '../../model/format';
import type { ProbeSpec, WorkflowDefinition } from '../../model/types';

function Missing({ children }: { children: React.ReactNode }) {
  return <span className="missing">{children}</span>;
}

function List({ items, empty }: { items: string[] | undefined; empty: string }) {
  if (!items || items.length === 0) return <Missing>{empty}</Missing>;
  return (
    <ul className="chips">
      {items.map((i) => (
        <li key={i} className="chip">
          {i}
        </li>
      ))}
    </ul>
  );
}

function probeText(p: ProbeSpec | null | undefined): string {
  if (!p) return 'no probe';
  const where = [p['connection'], p['url'], p['path']].find((v) => typeof v === 'string');
  return where ? `${p.kind} · ${String(where)}` : p.kind;
}

/** The governance metadata of a definition: who owns it, what it must achieve, what it may do, how it is audited and undone. */
export function GovernancePanel({ definition }: { definition: WorkflowDefinition }) {
  const { owner, outcome, boundary, dataSources, auditProtocol: audit, rollback } = definition;
  return (
    <section className="panel" aria-labelledby="gov-heading">
      <h2 id="gov-heading">Governance</h2>

      <h3>Owner</h3>
      {owner?.name ? (
        <p>
          {owner.name}
          {owner.email ? (
            <>
              {' · '}
              <a href={`mailto:${owner.email}`}>{owner.email}</a>
            </>
          ) : null}
        </p>
      ) : (
        <p>
          <Missing>No owner: agents in this workflow cannot be promoted.</Missing>
        </p>
      )}

      <h3>Outcome</h3>
      {outcome?.metric ? (
        <dl className="facts">
          <dt>Metric</dt>
          <dd>
            <code>{outcome.metric}</code>
            {outcome.description ? <div className="fact-note">{outcome.description}</div> : null}
          </dd>
          <dt>Target</dt>
          <dd>
            <strong>{formatTarget(outcome.target, outcome.unit, outcome.direction)}</strong>
            {outcome.direction ? <span className="fact-note"> ({outcome.direction})</span> : null}
          </dd>
          {outcome.measure ? (
            <>
              <dt>Measure</dt>
              <dd>
                <code>{outcome.measure}</code>
              </dd>
            </>
          ) : null}
          {outcome.attribution ? (
            <>
              <dt>Attribution</dt>
              <dd>{outcome.attribution}</dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p>
          <Missing>No outcome defined.</Missing>
        </p>
      )}

      <h3>Boundary</h3>
      <dl className="facts">
        <dt>Trigger</dt>
        <dd>{boundary?.trigger || <Missing>none</Missing>}</dd>
        <dt>Allowed</dt>
        <dd>
          <List items={boundary?.allowedActions} empty="none" />
        </dd>
        <dt>Forbidden</dt>
        <dd>
          <List items={boundary?.forbiddenActions} empty="none" />
        </dd>
        <dt>Draft only</dt>
        <dd>
          <List items={boundary?.draftOnlyActions} empty="none" />
        </dd>
      </dl>

      <h3>Data sources</h3>
      {dataSources && dataSources.length > 0 ? (
        <ul className="plain-list">
          {dataSources.map((d) => (
            <li key={d.id}>
              <code>{d.id}</code>
              {d.freshness ? <span className="fact-note"> · fresh within {d.freshness}</span> : null}
              <div className="fact-note">{probeText(d.probe)}</div>
              {d.description ? <div>{d.description}</div> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>
          <Missing>No data sources declared.</Missing>
        </p>
      )}

      <h3>Audit protocol</h3>
      {audit ? (
        <dl className="facts">
          <dt>Schedule</dt>
          <dd>{audit.cron ? <code>{audit.cron}</code> : <Missing>none</Missing>}</dd>
          <dt>Sampling</dt>
          <dd>
            {audit.sampling?.rate != null
              ? `${formatPercent(audit.sampling.rate)} of decisions`
              : audit.sampling?.size != null
                ? `${audit.sampling.size} decisions`
                : '—'}
            {audit.sampling?.stratifyBy?.length ? (
              <span className="fact-note"> · by {audit.sampling.stratifyBy.join(', ')}</span>
            ) : null}
          </dd>
          <dt>Reviewers</dt>
          <dd>{audit.reviewerRole || <Missing>none</Missing>}</dd>
          <dt>Criteria</dt>
          <dd>
            {audit.criteria && audit.criteria.length > 0 ? (
              <ul className="plain-list">
                {audit.criteria.map((c) => (
                  <li key={c.id}>
                    <code>{c.id}</code> {c.description}
                  </li>
                ))}
              </ul>
            ) : (
              <Missing>none</Missing>
            )}
          </dd>
          <dt>Escalation</dt>
          <dd>
            {audit.escalation ? (
              <>
                {audit.escalation.action ?? 'notify-owner'} above {formatPercent(audit.escalation.failureRateThreshold)} failures
                <span className="fact-note"> (after {audit.escalation.minReviews ?? 1} reviews)</span>
              </>
            ) : (
              <Missing>none</Missing>
            )}
          </dd>
        </dl>
      ) : (
        <p>
          <Missing>No audit protocol.</Missing>
        </p>
      )}

      <h3>Rollback</h3>
      {rollback?.procedure ? (
        <>
          <p className="prewrap">{rollback.procedure}</p>
          {rollback.fallbackStage ? (
            <p className="fact-note">
              Agents fall back to <strong>{rollback.fallbackStage}</strong>.
            </p>
          ) : null}
        </>
      ) : (
        <p>
          <Missing>No rollback procedure.</Missing>
        </p>
      )}
    </section>
  );
}
