import {
  addCriterion,
  addInputField,
  DEFAULT_ESCALATION_ACTION,
  DEFAULT_MIN_REVIEWS,
  ESCALATION_ACTIONS,
  FIELD_TYPES,
  inputFieldConstraints,
  inputFieldPath,
  inputFieldRows,
  moveCriterion,
  moveInputField,
  PROBE_KINDS,
  probeFields,
  problemsAt,
  removeCriterion,
  removeInputField,
  renameInputField,
  setAuditField,
  setCriteria,
  setEscalation,
  setProbeField,
  setProbeKind,
  setSampling,
  setStratify,
  stratifyOptions,
  updateCriterion,
  updateDataSource,
  updateInputField,
} from '../../model/designer/governance';
import type { LocatedProblem } from '../../model/designer/problems';
import type { AuditProtocolSpec, DataSourceSpec, WorkflowDefinition } from '../../model/types';
import { AddNamedRow, AllowedValuesInput, CheckboxInput, FieldProblems, NameInput, NumberInput, RowButtons, SelectInput, TextInput } from './GovernanceFields';

/**
 * One data source: id, description, freshness and its readiness probe, with a kind select (none, sql, http, file) and
 * the fields of that kind. The server's problems show under the field they are about.
 */
export function DataSourceForm({ source, index, problems, disabled, onChange }: { source: DataSourceSpec; index: number; problems: LocatedProblem[]; disabled: boolean; onChange: (next: DataSourceSpec | undefined) => void }) {
  const base = `$.dataSources[${index}]`;
  const at = (path: string) => problemsAt(problems, `${base}${path}`);
  const probe = source.probe ?? undefined;
  const name = source.id || `${index + 1}`;
  return (
    <fieldset className="field-group nested data-source">
      <legend>Data source {name}</legend>
      <TextInput label="Data source id" value={source.id} disabled={disabled} problems={at('.id')} onChange={(v) => onChange(updateDataSource(source, { id: v }))} />
      <TextInput label="Data source description" value={source.description ?? ''} disabled={disabled} problems={at('.description')} onChange={(v) => onChange(updateDataSource(source, { description: v }))} />
      <TextInput
        label="Freshness (maximum age)"
        value={source.freshness ?? ''}
        disabled={disabled}
        help="How old the data may be and still count as fresh, e.g. 30m, 1h, 2d."
        problems={at('.freshness')}
        onChange={(v) => onChange(updateDataSource(source, { freshness: v }))}
      />
      <fieldset className="field-group probe" aria-label={`Probe of data source ${name}`}>
        <legend>Readiness probe</legend>
        <SelectInput
          label="Probe kind"
          value={probe?.kind ?? ''}
          options={[['', 'none (readiness not evidenced)'], ...PROBE_KINDS.map((k) => [k, k] as const)]}
          disabled={disabled}
          problems={at('.probe.kind')}
          onChange={(kind) => onChange(updateDataSource(source, { probe: setProbeKind(probe, kind) }))}
        />
        {probe
          ? probeFields(probe.kind).map((f) => {
              const raw = probe[f.key];
              const common = { label: f.label, help: f.help, required: f.required, disabled, problems: at(`.probe.${f.key}`) };
              return f.control === 'integer' ? (
                <NumberInput key={f.key} {...common} integer value={typeof raw === 'number' ? raw : undefined} onChange={(v) => onChange(updateDataSource(source, { probe: setProbeField(probe, f.key, v) }))} />
              ) : (
                <TextInput
                  key={f.key}
                  {...common}
                  multiline={f.control === 'multiline'}
                  value={typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw)}
                  onChange={(v) => onChange(updateDataSource(source, { probe: setProbeField(probe, f.key, v) }))}
                />
              );
            })
          : null}
      </fieldset>
      {!disabled ? (
        <button type="button" className="button button-quiet" onClick={() => onChange(undefined)}>
          Remove data source {name}
        </button>
      ) : null}
    </fieldset>
  );
}

/**
 * The audit protocol: schedule, sampling (rate or size, stratified by ticked dimensions), reviewer role, criteria as
 * rows (id + description; add, reorder, remove) and the escalation (threshold, minimum reviews, action).
 */
export function AuditProtocolForm({ audit, problems, disabled, onChange }: { audit: AuditProtocolSpec | null | undefined; problems: LocatedProblem[]; disabled: boolean; onChange: (next: AuditProtocolSpec | undefined) => void }) {
  const at = (path: string) => problemsAt(problems, `$.auditProtocol${path}`);
  const criteria = audit?.criteria ?? [];
  const escalation = audit?.escalation ?? undefined;
  const stratify = audit?.sampling?.stratifyBy ?? [];
  return (
    <>
      <TextInput label="Audit cron" value={audit?.cron ?? ''} disabled={disabled} help="Quartz cron, e.g. 0 0 9 ? * MON-FRI" problems={at('.cron')} onChange={(v) => onChange(setAuditField(audit, 'cron', v))} />
      <NumberInput label="Sampling rate" value={audit?.sampling?.rate} disabled={disabled} help="Share of the decisions since the last run that is reviewed, above 0 and at most 1. Give a rate or a size." problems={at('.sampling.rate')} onChange={(v) => onChange(setSampling(audit, 'rate', v))} />
      <NumberInput label="Sample size" integer value={audit?.sampling?.size} disabled={disabled} help="A fixed number of decisions per run, instead of a rate." problems={at('.sampling.size')} onChange={(v) => onChange(setSampling(audit, 'size', v))} />
      <fieldset className="field-group stratify">
        <legend>Stratify by</legend>
        {stratifyOptions(audit).map((d) => (
          <CheckboxInput key={d} label={d} checked={stratify.includes(d)} disabled={disabled} onChange={(on) => onChange(setStratify(audit, d, on))} />
        ))}
        <FieldProblems id="stratify-problems" problems={at('.sampling.stratifyBy')} />
      </fieldset>
      <TextInput label="Reviewer role" value={audit?.reviewerRole ?? ''} disabled={disabled} problems={at('.reviewerRole')} onChange={(v) => onChange(setAuditField(audit, 'reviewerRole', v))} />

      <fieldset className="field-group criteria">
        <legend>Criteria</legend>
        {criteria.length === 0 ? <p className="field-help">No criteria yet: reviewers judge each sampled decision against these.</p> : null}
        <ol className="row-list">
          {criteria.map((c, i) => (
            <li key={i} className="record-row">
              <TextInput label={`Criterion ${i + 1} id`} value={c.id} disabled={disabled} problems={at(`.criteria[${i}].id`)} onChange={(v) => onChange(setCriteria(audit, updateCriterion(criteria, i, { id: v })))} />
              <TextInput label={`Criterion ${i + 1} description`} multiline value={c.description} disabled={disabled} problems={at(`.criteria[${i}].description`)} onChange={(v) => onChange(setCriteria(audit, updateCriterion(criteria, i, { description: v })))} />
              {!disabled ? (
                <RowButtons
                  what={`criterion ${i + 1}`}
                  index={i}
                  count={criteria.length}
                  disabled={disabled}
                  onMove={(delta) => onChange(setCriteria(audit, moveCriterion(criteria, i, delta)))}
                  onRemove={() => onChange(setCriteria(audit, removeCriterion(criteria, i)))}
                />
              ) : null}
            </li>
          ))}
        </ol>
        {!disabled ? (
          <button type="button" className="button" onClick={() => onChange(setCriteria(audit, addCriterion(criteria)))}>
            Add criterion
          </button>
        ) : null}
      </fieldset>

      <fieldset className="field-group escalation">
        <legend>Escalation</legend>
        <p className="field-help">What runs once the share of failed reviews passes the threshold (the owner is told in every case). Leave empty for no escalation.</p>
        <NumberInput
          label="Failure rate threshold"
          value={escalation?.failureRateThreshold}
          required={escalation !== undefined}
          disabled={disabled}
          help="0..1, e.g. 0.05 for 5 % of reviews failing."
          problems={at('.escalation.failureRateThreshold')}
          onChange={(v) => onChange(setEscalation(audit, 'failureRateThreshold', v))}
        />
        <NumberInput
          label="Minimum reviews"
          integer
          value={escalation?.minReviews}
          disabled={disabled}
          help={`Reviews needed before the rate is trusted (at least 1; empty: ${DEFAULT_MIN_REVIEWS}).`}
          problems={at('.escalation.minReviews')}
          onChange={(v) => onChange(setEscalation(audit, 'minReviews', v))}
        />
        <SelectInput
          label="Escalation action"
          value={escalation?.action ?? ''}
          options={[['', `(default: ${DEFAULT_ESCALATION_ACTION})`], ...ESCALATION_ACTIONS.map((a) => [a, ACTION_TEXT[a]] as const)]}
          disabled={disabled}
          problems={at('.escalation.action')}
          onChange={(v) => onChange(setEscalation(audit, 'action', v))}
        />
      </fieldset>
    </>
  );
}

const ACTION_TEXT: Record<(typeof ESCALATION_ACTIONS)[number], string> = {
  'notify-owner': 'notify-owner: tell the owner only',
  demote: 'demote: the agent goes down one stage',
  pause: 'pause: the agent is paused',
};

/**
 * The instance input's fields as rows: name (renamed in place), type, required, description, and the constraints the
 * model has (minimum/maximum for numbers, allowed values for text). Rows keep their order, which is the file's.
 */
export function InputFieldsForm({ definition, problems, disabled, onChange }: { definition: WorkflowDefinition; problems: LocatedProblem[]; disabled: boolean; onChange: (next: WorkflowDefinition) => void }) {
  const rows = inputFieldRows(definition);
  return (
    <fieldset className="field-group input-fields">
      <legend>Input fields</legend>
      <p className="field-help">What an instance is started with; a start whose input breaks these rules is refused.</p>
      <ol className="row-list">
        {rows.map(({ name, spec }, i) => {
          const at = (path: string) => problemsAt(problems, `${inputFieldPath(name)}${path}`);
          const c = inputFieldConstraints(spec);
          const update = (patch: Parameters<typeof updateInputField>[2]) => onChange(updateInputField(definition, name, patch));
          return (
            <li key={i} className="record-row">
              <fieldset className="field-group nested">
                <legend>Input field {name}</legend>
                <NameInput
                  label="Field name"
                  value={name}
                  disabled={disabled}
                  onRename={(to) => {
                    const r = renameInputField(definition, name, to);
                    if (!r.error) onChange(r.definition);
                    return r.error;
                  }}
                />
                <SelectInput label="Type" value={spec.type ?? 'string'} options={FIELD_TYPES.map((t) => [t, t] as const)} disabled={disabled} problems={at('.type')} onChange={(v) => update({ type: v })} />
                <CheckboxInput label="Required" checked={spec.required === true} disabled={disabled} problems={at('.required')} onChange={(v) => update({ required: v })} />
                <TextInput label="Description" value={spec.description ?? ''} disabled={disabled} problems={at('.description')} onChange={(v) => update({ description: v })} />
                {c.range ? (
                  <>
                    <NumberInput label="Minimum" value={spec.minimum} disabled={disabled} problems={at('.minimum')} onChange={(v) => update({ minimum: v })} />
                    <NumberInput label="Maximum" value={spec.maximum} disabled={disabled} problems={at('.maximum')} onChange={(v) => update({ maximum: v })} />
                  </>
                ) : null}
                {c.enum ? <AllowedValuesInput value={spec.enum ?? undefined} help="Empty: any text." disabled={disabled} problems={at('.enum')} onChange={(v) => update({ enum: v })} /> : null}
                {!disabled ? (
                  <RowButtons what={`input field ${name}`} index={i} count={rows.length} disabled={disabled} onMove={(delta) => onChange(moveInputField(definition, name, delta))} onRemove={() => onChange(removeInputField(definition, name))} />
                ) : null}
              </fieldset>
            </li>
          );
        })}
      </ol>
      {!disabled ? (
        <AddNamedRow
          what="input field"
          onAdd={(name) => {
            const r = addInputField(definition, name);
            if (!r.error) onChange(r.definition);
            return r.error;
          }}
        />
      ) : null}
    </fieldset>
  );
}

