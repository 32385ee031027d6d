import { useId } from 'react';
import type { LocatedProblem } from '../../model/designer/problems';
import type {
  AuditProtocolSpec,
  BoundarySpec,
  DataSourceSpec,
  OutcomeSpec,
  PersonRef,
  RollbackSpec,
  WorkflowDefinition,
} from '../../model/types';
import type { ExpressionContext } from './ExpressionField';
import { ExpressionField } from './ExpressionField';
import { TextField } from './PropertyPanel';
import { TypedField } from './TypedField';

type Set = <K extends keyof WorkflowDefinition>(key: K, value: WorkflowDefinition[K] | undefined) => void;

/** Drops empty values so a cleared form section disappears from the file instead of leaving `{}` behind. */
function compact<T extends object>(o: T): T | undefined {
  const out = Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)),
  );
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}

/**
 * The workflow's own properties and its governance metadata: owner, outcome (with its measure expression checked as
 * you type), boundary, data sources, audit protocol and rollback. Each section's readiness warnings show beside it.
 */
export function WorkflowForm({
  definition,
  set,
  isNew,
  problems,
  context,
  readOnly,
  openSection,
}: {
  openSection?: string;
  definition: WorkflowDefinition;
  set: Set;
  isNew: boolean;
  problems: LocatedProblem[];
  context: ExpressionContext;
  readOnly: boolean;
}) {
  const d = definition;
  const sectionProblems = (s: string) => problems.filter((p) => p.section === s);
  const owner: PersonRef = d.owner ?? { name: '' };
  const outcome: Partial<OutcomeSpec> = d.outcome ?? {};
  const boundary: BoundarySpec = d.boundary ?? {};
  const audit: AuditProtocolSpec = d.auditProtocol ?? {};
  const rollback: RollbackSpec = d.rollback ?? {};
  const sources: DataSourceSpec[] = d.dataSources ?? [];

  return (
    <div className="workflow-form">
      <h2 className="panel-title">Workflow</h2>
      <TextField
        label="Workflow id"
        value={d.id}
        disabled={readOnly || !isNew}
        help={isNew ? 'Letters, digits, - and _. Fixed once saved.' : 'The id of a saved workflow cannot change.'}
        onChange={(v) => set('id', v as never)}
      />
      <TextField label="Workflow name" value={d.name ?? ''} disabled={readOnly} onChange={(v) => set('name', v)} />
      <TextField label="Workflow description" value={d.description ?? ''} disabled={readOnly} multiline onChange={(v) => set('description', v)} />

      <Section title="Owner" sectionKey="owner" openSection={openSection} problems={sectionProblems('owner')}>
        <TextField label="Owner name" value={owner.name ?? ''} disabled={readOnly} onChange={(v) => set('owner', compact({ ...owner, name: v }) as PersonRef)} />
        <TextField label="Owner email" value={owner.email ?? ''} disabled={readOnly} onChange={(v) => set('owner', compact({ ...owner, email: v }) as PersonRef)} />
      </Section>

      <Section title="Outcome" sectionKey="outcome" openSection={openSection} problems={sectionProblems('outcome')}>
        <TextField label="Outcome metric" value={outcome.metric ?? ''} disabled={readOnly} onChange={(v) => set('outcome', compact({ ...outcome, metric: v }) as OutcomeSpec)} />
        <TextField label="Outcome description" value={outcome.description ?? ''} disabled={readOnly} onChange={(v) => set('outcome', compact({ ...outcome, description: v }) as OutcomeSpec)} />
        <TextField label="Unit" value={outcome.unit ?? ''} disabled={readOnly} onChange={(v) => set('outcome', compact({ ...outcome, unit: v }) as OutcomeSpec)} />
        <TypedField name="target" kind="number" required={false} value={outcome.target ?? undefined} context={context} disabled={readOnly} onChange={(v) => set('outcome', compact({ ...outcome, target: v as number }) as OutcomeSpec)} />
        <SelectField
          label="Direction"
          value={outcome.direction ?? ''}
          options={['', 'lower-is-better', 'higher-is-better']}
          disabled={readOnly}
          onChange={(v) => set('outcome', compact({ ...outcome, direction: v }) as OutcomeSpec)}
        />
        <ExpressionField label="Measure" kind="expression" value={outcome.measure ?? ''} context={context} disabled={readOnly} description="Computed per finished instance, e.g. (timestamp(instance.endedAt) - timestamp(instance.startedAt)) / 3600." onChange={(v) => set('outcome', compact({ ...outcome, measure: v }) as OutcomeSpec)} />
        <TextField label="Attribution" value={outcome.attribution ?? ''} disabled={readOnly} multiline onChange={(v) => set('outcome', compact({ ...outcome, attribution: v }) as OutcomeSpec)} />
      </Section>

      <Section title="Boundary" sectionKey="boundary" openSection={openSection} problems={sectionProblems('boundary')}>
        <TextField label="Trigger" value={boundary.trigger ?? ''} disabled={readOnly} onChange={(v) => set('boundary', compact({ ...boundary, trigger: v }))} />
        {(['allowedActions', 'forbiddenActions', 'draftOnlyActions'] as const).map((k) => (
          <TypedField key={k} name={k} kind="string-list" required={false} value={boundary[k]} context={context} disabled={readOnly} onChange={(v) => set('boundary', compact({ ...boundary, [k]: v as string[] }))} />
        ))}
      </Section>

      <Section title="Data sources" sectionKey="dataSources" openSection={openSection} problems={sectionProblems('dataSources')}>
        {sources.map((s, i) => {
          const put = (next: DataSourceSpec | undefined) => set('dataSources', sources.flatMap((x, j) => (j === i ? (next ? [next] : []) : [x])));
          return (
            <fieldset key={i} className="field-group nested">
              <legend>Data source {s.id || i + 1}</legend>
              <TextField label="Data source id" value={s.id} disabled={readOnly} onChange={(v) => put({ ...s, id: v })} />
              <TextField label="Data source description" value={s.description ?? ''} disabled={readOnly} onChange={(v) => put(compact({ ...s, description: v }) as DataSourceSpec)} />
              <TypedField name="freshness" kind="duration" required={false} value={s.freshness ?? undefined} context={context} disabled={readOnly} onChange={(v) => put(compact({ ...s, freshness: v as string }) as DataSourceSpec)} />
              <TypedField name="probe" kind="object" required={false} description='e.g. {"kind": "sql", "connection": "orders", "query": "SELECT …", "minCount": 1}' value={s.probe ?? undefined} context={context} disabled={readOnly} onChange={(v) => put(compact({ ...s, probe: v as DataSourceSpec['probe'] }) as DataSourceSpec)} />
              {!readOnly ? (
                <button type="button" className="button button-quiet" onClick={() => put(undefined)}>
                  Remove data source {s.id || i + 1}
                </button>
              ) : null}
            </fieldset>
          );
        })}
        {!readOnly ? (
          <button type="button" className="button" onClick={() => set('dataSources', [...sources, { id: `source-${sources.length + 1}` }])}>
            Add data source
          </button>
        ) : null}
      </Section>

      <Section title="Audit protocol" sectionKey="auditProtocol" openSection={openSection} problems={sectionProblems('auditProtocol')}>
        <TextField label="Audit cron" value={audit.cron ?? ''} disabled={readOnly} help="Quartz cron, e.g. 0 0 9 ? * MON-FRI" onChange={(v) => set('auditProtocol', compact({ ...audit, cron: v }))} />
        <TypedField name="sampling rate" kind="number" required={false} value={audit.sampling?.rate ?? undefined} context={context} disabled={readOnly} description="Share of instances reviewed, 0..1." onChange={(v) => set('auditProtocol', compact({ ...audit, sampling: compact({ ...audit.sampling, rate: v as number }) }))} />
        <TypedField name="sampling size" kind="integer" required={false} value={audit.sampling?.size ?? undefined} context={context} disabled={readOnly} onChange={(v) => set('auditProtocol', compact({ ...audit, sampling: compact({ ...audit.sampling, size: v as number }) }))} />
        <TypedField name="stratify by" kind="string-list" required={false} value={audit.sampling?.stratifyBy} context={context} disabled={readOnly} onChange={(v) => set('auditProtocol', compact({ ...audit, sampling: compact({ ...audit.sampling, stratifyBy: v as string[] }) }))} />
        <TextField label="Reviewer role" value={audit.reviewerRole ?? ''} disabled={readOnly} onChange={(v) => set('auditProtocol', compact({ ...audit, reviewerRole: v }))} />
        <TypedField name="criteria" kind="object" required={false} description='List of {"id", "description"}.' value={audit.criteria} context={context} disabled={readOnly} onChange={(v) => set('auditProtocol', compact({ ...audit, criteria: v as AuditProtocolSpec['criteria'] }))} />
        <TypedField name="escalation" kind="object" required={false} description='{"failureRateThreshold": 0.05, "minReviews": 20, "action": "demote"}' value={audit.escalation ?? undefined} context={context} disabled={readOnly} onChange={(v) => set('auditProtocol', compact({ ...audit, escalation: v as AuditProtocolSpec['escalation'] }))} />
      </Section>

      <Section title="Rollback" sectionKey="rollback" openSection={openSection} problems={sectionProblems('rollback')}>
        <TextField label="Rollback procedure" value={rollback.procedure ?? ''} disabled={readOnly} multiline onChange={(v) => set('rollback', compact({ ...rollback, procedure: v }))} />
        <TextField label="Fallback stage" value={rollback.fallbackStage ?? ''} disabled={readOnly} onChange={(v) => set('rollback', compact({ ...rollback, fallbackStage: v }))} />
      </Section>

      <Section title="Data" sectionKey="data" openSection={openSection} problems={[...sectionProblems('agents'), ...sectionProblems('input'), ...sectionProblems('variables')]}>
        <TypedField name="agents" kind="string-list" required={false} value={d.agents} context={context} disabled={readOnly} description="Agents the flowchart may run." onChange={(v) => set('agents', v as string[])} />
        <TypedField name="input fields" kind="object" required={false} value={d.input?.fields} context={context} disabled={readOnly} description='name → {"type": "string", "required": true}' onChange={(v) => set('input', v ? { fields: v as never } : undefined)} />
        <TypedField name="variables" kind="expression-map" required={false} value={d.variables} context={context} disabled={readOnly} onChange={(v) => set('variables', v as Record<string, string>)} />
      </Section>
    </div>
  );
}

function Section({ title, sectionKey, openSection, problems, children }: { title: string; sectionKey: string; openSection?: string; problems: LocatedProblem[]; children: React.ReactNode }) {
  const forced = openSection === sectionKey || problems.some((p) => p.isError);
  return (
    <details className="form-section" id={`designer-section-${sectionKey}`} open={forced || undefined}>
      <summary>
        {title}
        {problems.length > 0 ? <span className="section-problems"> · {problems.length} warning{problems.length === 1 ? '' : 's'}</span> : null}
      </summary>
      {problems.length > 0 ? (
        <ul className="node-problems">
          {problems.map((p, i) => (
            <li key={i} className={p.isError ? 'problem-error' : 'problem-warning'}>
              <span className="problem-code">{p.code}</span> {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {children}
    </details>
  );
}

function SelectField({ label, value, options, onChange, disabled }: { label: string; value: string; options: string[]; onChange: (v: string) => void; disabled: boolean }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o || '(not set)'}
          </option>
        ))}
      </select>
    </div>
  );
}
