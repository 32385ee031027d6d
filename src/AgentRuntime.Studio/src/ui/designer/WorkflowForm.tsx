import { useEffect, useId, useMemo, useState } from 'react';
import { compact, FALLBACK_STAGES, governanceFieldPaths, unplacedProblems } from '../../model/designer/governance';
import { summarizeProblems, type LocatedProblem } from '../../model/designer/problems';
import type {
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
import { AuditProtocolForm, DataSourceForm, InputFieldsForm } from './GovernanceForms';
import { TypedField } from './TypedField';

type Set = <K extends keyof WorkflowDefinition>(key: K, value: WorkflowDefinition[K] | undefined) => void;

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
  const rollback: RollbackSpec = d.rollback ?? {};
  const sources: DataSourceSpec[] = d.dataSources ?? [];
  // Problems a form field shows are not listed again at the top of their section.
  const placed = useMemo(() => new Set(governanceFieldPaths(d)), [d]);

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

      <Section title="Data sources" sectionKey="dataSources" openSection={openSection} problems={sectionProblems('dataSources')} placed={placed}>
        {sources.map((s, i) => (
          <DataSourceForm
            key={i}
            source={s}
            index={i}
            problems={sectionProblems('dataSources')}
            disabled={readOnly}
            onChange={(next) => set('dataSources', sources.flatMap((x, j) => (j === i ? (next ? [next] : []) : [x])))}
          />
        ))}
        {!readOnly ? (
          <button type="button" className="button" onClick={() => set('dataSources', [...sources, { id: `source-${sources.length + 1}` }])}>
            Add data source
          </button>
        ) : null}
      </Section>

      <Section title="Audit protocol" sectionKey="auditProtocol" openSection={openSection} problems={sectionProblems('auditProtocol')} placed={placed}>
        <AuditProtocolForm audit={d.auditProtocol} problems={sectionProblems('auditProtocol')} disabled={readOnly} onChange={(next) => set('auditProtocol', next)} />
      </Section>

      <Section title="Rollback" sectionKey="rollback" openSection={openSection} problems={sectionProblems('rollback')}>
        <TextField label="Rollback procedure" value={rollback.procedure ?? ''} disabled={readOnly} multiline onChange={(v) => set('rollback', compact({ ...rollback, procedure: v }))} />
        <SelectField label="Fallback stage" value={rollback.fallbackStage ?? ''} options={['', ...FALLBACK_STAGES]} disabled={readOnly} onChange={(v) => set('rollback', compact({ ...rollback, fallbackStage: v }))} />
      </Section>

      <Section title="Data" sectionKey="data" openSection={openSection} problems={[...sectionProblems('agents'), ...sectionProblems('input'), ...sectionProblems('variables')]} placed={placed}>
        <TypedField name="agents" kind="string-list" required={false} value={d.agents} context={context} disabled={readOnly} description="Agents the flowchart may run." onChange={(v) => set('agents', v as string[])} />
        <InputFieldsForm definition={d} problems={sectionProblems('input')} disabled={readOnly} onChange={(next) => set('input', next.input)} />
        <TypedField name="variables" kind="expression-map" required={false} value={d.variables} context={context} disabled={readOnly} onChange={(v) => set('variables', v as Record<string, string>)} />
      </Section>
    </div>
  );
}

function Section({ title, sectionKey, openSection, problems, placed, children }: { title: string; sectionKey: string; openSection?: string; problems: LocatedProblem[]; placed?: ReadonlySet<string>; children: React.ReactNode }) {
  const forced = openSection === sectionKey || problems.some((p) => p.isError);
  const listed = placed ? unplacedProblems(problems, [...placed]) : problems;
  // Opened by an error or a click on a problem, it stays open once fixed (it used to fold away under the cursor);
  // only the person closes it.
  const [open, setOpen] = useState(forced);
  useEffect(() => {
    if (forced) setOpen(true);
  }, [forced]);
  return (
    <details className="form-section" id={`designer-section-${sectionKey}`} open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {title}
        {problems.length > 0 ? <span className={`section-problems${problems.some((p) => p.isError) ? ' has-errors' : ''}`}> · {summarizeProblems(problems)}</span> : null}
      </summary>
      {listed.length > 0 ? (
        <ul className="node-problems">
          {listed.map((p, i) => (
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
        {(options.includes(value) ? options : [...options, value]).map((o) => (
          <option key={o} value={o}>
            {o || '(not set)'}
          </option>
        ))}
      </select>
    </div>
  );
}
