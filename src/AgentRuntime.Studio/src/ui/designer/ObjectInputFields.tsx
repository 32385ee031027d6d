import { useEffect, useId, useRef, useState } from 'react';
import { problemsAt } from '../../model/designer/governance';
import {
  addFormField,
  compensationOf,
  formFieldConstraints,
  formRows,
  FORM_FIELD_TYPES,
  moveFormField,
  otherCompensationKeys,
  otherFormKeys,
  removeFormField,
  renameFormField,
  setCompensationField,
  updateFormField,
  type FormFieldSpec,
} from '../../model/designer/objectInputs';
import type { LocatedProblem } from '../../model/designer/problems';
import { ExpressionField, type ExpressionContext } from './ExpressionField';
import { AddNamedRow, AllowedValuesInput, CheckboxInput, FieldProblems, NameInput, NumberInput, RowButtons, SelectInput, TextInput } from './GovernanceFields';
import { TypedField } from './TypedField';

/** Problems about `path` or anything under it (`path.x`, `path[0]`): for a group of fields. */
export function problemsUnder(problems: readonly LocatedProblem[], path: string): LocatedProblem[] {
  return problems.filter((p) => p.path === path || (p.path ?? '').startsWith(path + '.') || (p.path ?? '').startsWith(path + '['));
}

/** Expression and template fields check themselves live; the server's syntax problem for them would say it twice. */
export function withoutSyntax(problems: readonly LocatedProblem[]): LocatedProblem[] {
  return problems.filter((p) => p.code !== 'AR301' && p.code !== 'AR302');
}

/** Whether `value` is edited by the approval form's rows (else it is shown as JSON). */
export function isFormEditable(value: unknown): boolean {
  return formRows(value) !== null;
}

/** Whether `value` is edited by the compensation form (else it is shown as JSON). */
export function isCompensationEditable(value: unknown): boolean {
  return compensationOf(value) !== null;
}

/**
 * An approval's form as rows: each field's name (renamed in place), type (or any), required, label, description and
 * the constraints its type has; add, reorder, remove. The order is the order the approver sees. The server's problems
 * show under the field they are about.
 */
export function ApprovalFormField({
  value,
  description,
  path,
  problems,
  disabled,
  onChange,
}: {
  value: unknown;
  description?: string;
  path: string;
  problems: LocatedProblem[];
  disabled: boolean;
  onChange: (value: unknown) => void;
}) {
  const rows = formRows(value) ?? [];
  const group = useRef<HTMLFieldSetElement>(null);
  // Rows are keyed by position (a name typed in place must not remount its row), so after a move the focus is put back
  // on the moved field's button: a keyboard user can press Enter again to keep moving it.
  const [moved, setMoved] = useState<{ name: string; delta: -1 | 1 }>();
  useEffect(() => {
    if (!moved) return;
    const buttons = Array.from(group.current?.querySelectorAll('button') ?? []);
    const label = (d: number) => `Move form field ${moved.name} ${d < 0 ? 'up' : 'down'}`;
    const target = buttons.find((b) => b.getAttribute('aria-label') === label(moved.delta) && !b.disabled) ?? buttons.find((b) => b.getAttribute('aria-label') === label(-moved.delta));
    target?.focus();
    setMoved(undefined);
  }, [moved]);
  const fieldPaths = rows.map(({ name }) => fieldPath(path, name));
  const loose = problems.filter((p) => !fieldPaths.some((f) => p.path === f || (p.path ?? '').startsWith(f + '.') || (p.path ?? '').startsWith(f + '[')));
  return (
    <fieldset ref={group} className="field-group approval-form">
      <legend>Form</legend>
      <p className="field-help">{description ? `${description} ` : ''}The fields the approver fills in or corrects, in this order.</p>
      <FieldProblems id={`${path}-problems`} problems={loose} />
      {rows.length === 0 ? <p className="field-help">No form fields: the approver decides without editing the data.</p> : null}
      <ol className="row-list">
        {rows.map(({ name, spec }, i) => {
          const at = (key: string) => problemsAt(problems, `${fieldPath(path, name)}.${key}`);
          const update = (patch: Partial<FormFieldSpec>) => onChange(updateFormField(value, name, patch));
          const c = formFieldConstraints(spec);
          const others = otherFormKeys(spec);
          return (
            <li key={i} className="record-row">
              <fieldset className="field-group nested">
                <legend>Form field {name}</legend>
                <NameInput
                  label="Field name"
                  value={name}
                  disabled={disabled}
                  problems={problemsAt(problems, fieldPath(path, name))}
                  onRename={(to) => {
                    const r = renameFormField(value, name, to);
                    if (!r.error) onChange(r.form);
                    return r.error;
                  }}
                />
                <SelectInput
                  label="Type"
                  value={typeof spec.type === 'string' ? spec.type : ''}
                  options={[['', 'any (not checked)'], ...FORM_FIELD_TYPES.map((t) => [t, t] as const)]}
                  disabled={disabled}
                  problems={at('type')}
                  onChange={(v) => update({ type: v })}
                />
                <CheckboxInput label="Required" help="Needed to approve (a rejection may leave it empty)." checked={spec.required === true} disabled={disabled} problems={at('required')} onChange={(v) => update({ required: v })} />
                <TextInput label="Label" value={typeof spec.label === 'string' ? spec.label : ''} help="What the approver sees; empty: the name." disabled={disabled} problems={at('label')} onChange={(v) => update({ label: v })} />
                <TextInput label="Description" value={typeof spec.description === 'string' ? spec.description : ''} disabled={disabled} problems={at('description')} onChange={(v) => update({ description: v })} />
                {c.range ? (
                  <>
                    <NumberInput label="Minimum" value={typeof spec.minimum === 'number' ? spec.minimum : undefined} disabled={disabled} problems={at('minimum')} onChange={(v) => update({ minimum: v })} />
                    <NumberInput label="Maximum" value={typeof spec.maximum === 'number' ? spec.maximum : undefined} disabled={disabled} problems={at('maximum')} onChange={(v) => update({ maximum: v })} />
                  </>
                ) : null}
                {c.enum ? <AllowedValuesInput help="The approver picks one of these. Empty: any text." value={Array.isArray(spec.enum) ? spec.enum.map(String) : undefined} disabled={disabled} problems={at('enum')} onChange={(v) => update({ enum: v })} /> : null}
                {others.length > 0 ? <p className="field-help">Also kept as written: {others.join(', ')}.</p> : null}
                {!disabled ? (
                  <RowButtons what={`form field ${name}`} index={i} count={rows.length} disabled={disabled} onMove={(delta) => {
                      onChange(moveFormField(value, name, delta));
                      setMoved({ name, delta });
                    }} onRemove={() => onChange(removeFormField(value, name))} />
                ) : null}
              </fieldset>
            </li>
          );
        })}
      </ol>
      {!disabled ? (
        <AddNamedRow
          what="form field"
          onAdd={(name) => {
            const r = addFormField(value, name);
            if (!r.error) onChange(r.form);
            return r.error;
          }}
        />
      ) : null}
    </fieldset>
  );
}

function fieldPath(parent: string, name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `${parent}.${name}` : `${parent}['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}


/** A labelled text input offering suggestions (a datalist) while accepting any text. */
function SuggestInput({ label, value, suggestions, help, required, disabled, problems, onChange }: { label: string; value: string; suggestions: readonly string[]; help?: string; required?: boolean; disabled: boolean; problems: LocatedProblem[]; onChange: (v: string) => void }) {
  const id = useId();
  const hasProblem = problems.some((p) => p.isError);
  const describedBy = [help ? `${id}-help` : '', problems.length ? `${id}-problems` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${hasProblem ? ' has-problem' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="field-required"> (required)</span> : null}
      </label>
      <input id={id} value={value} list={`${id}-list`} disabled={disabled} aria-invalid={hasProblem || undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)} />
      <datalist id={`${id}-list`}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {help ? (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems} />
    </div>
  );
}

/**
 * An action's compensation — how to undo it on rollback — as a small form: the undo action, its connector (suggested
 * from the built-ins and those the workflow uses: the catalog lists none), the payload as field → expression, and the
 * http URL and idempotency key when wanted. Clearing everything removes the compensation (the server then warns AR404).
 */
export function CompensationField({
  value,
  description,
  path,
  problems,
  connectors,
  actions,
  context,
  disabled,
  onChange,
}: {
  value: unknown;
  description?: string;
  path: string;
  problems: LocatedProblem[];
  connectors: readonly string[];
  actions: readonly string[];
  context: ExpressionContext;
  disabled: boolean;
  onChange: (value: unknown) => void;
}) {
  const comp = compensationOf(value) ?? {};
  const set = (key: string, v: unknown) => onChange(setCompensationField(value, key, v));
  const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
  const at = (key: string) => problemsAt(problems, `${path}.${key}`);
  const placed = ['action', 'connector', 'url', 'input', 'idempotencyKey'].map((k) => `${path}.${k}`);
  const loose = problems.filter((p) => !placed.some((f) => p.path === f || (p.path ?? '').startsWith(f + '.') || (p.path ?? '').startsWith(f + '[')));
  const others = otherCompensationKeys(comp);
  const showUrl = comp.connector === 'http' || comp.url !== undefined;
  return (
    <fieldset className="field-group compensation">
      <legend>Compensation</legend>
      <p className="field-help">{description ?? 'How to undo this action.'} Run on rollback; leave empty for none.</p>
      <FieldProblems id={`${path}-problems`} problems={loose} />
      <SuggestInput label="Compensation action" required={Object.keys(comp).length > 0} value={text(comp.action)} suggestions={actions} help="The undo action, e.g. reverse-refund; checked against the boundary." disabled={disabled} problems={at('action')} onChange={(v) => set('action', v)} />
      <SuggestInput label="Compensation connector" required={Object.keys(comp).length > 0} value={text(comp.connector)} suggestions={connectors} help="The connector that performs it: record, http, …" disabled={disabled} problems={at('connector')} onChange={(v) => set('connector', v)} />
      {showUrl ? <TextInput label="Compensation URL" value={text(comp.url)} help="http connector: where the undo is sent." disabled={disabled} problems={at('url')} onChange={(v) => set('url', v)} /> : null}
      <TypedField
        name="compensation input"
        kind="expression-map"
        required={false}
        description="The undo's payload: field → expression (outputs.<this node> holds what the action returned)."
        value={comp.input}
        context={context}
        disabled={disabled}
        problems={withoutSyntax(problemsUnder(problems, `${path}.input`))}
        onChange={(v) => set('input', v)}
      />
      <ExpressionField label="Compensation idempotency key" kind="expression" value={text(comp.idempotencyKey)} description="Optional; defaults to the instance, node and visit." context={context} disabled={disabled} onChange={(v) => set('idempotencyKey', v)} />
      <FieldProblems id={`${path}-key-problems`} problems={withoutSyntax(at('idempotencyKey'))} />
      {others.length > 0 ? <p className="field-help">Also in the file (the server does not accept these): {others.join(', ')}.</p> : null}
      {!disabled && Object.keys(comp).length > 0 ? (
        <button type="button" className="button button-quiet" onClick={() => onChange(undefined)}>
          Remove compensation
        </button>
      ) : null}
    </fieldset>
  );
}
