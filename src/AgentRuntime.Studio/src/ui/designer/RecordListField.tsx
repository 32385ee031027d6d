import type { RecordColumn } from '../../model/designer/inputs';
import { recordRows, recordsFromRows } from '../../model/designer/inputs';
import { ExpressionField, type ExpressionContext } from './ExpressionField';
import { TextField } from './PropertyPanel';
import type { LocatedProblem } from '../../model/designer/problems';
import { FieldProblems } from './GovernanceFields';

/** A list of small records (a decision's branches, a validate node's rules) edited row by row. */
export function RecordListField({
  name,
  columns,
  value,
  required,
  description,
  onChange,
  context,
  disabled,
  problems = [],
}: {
  name: string;
  columns: RecordColumn[];
  value: unknown;
  required: boolean;
  description?: string;
  onChange: (value: unknown) => void;
  context: ExpressionContext;
  disabled: boolean;
  /** The server's problems about this input (its rows included). */
  problems?: readonly LocatedProblem[];
}) {
  const rows = recordRows(value, columns);
  const set = (next: Record<string, string>[]) => onChange(recordsFromRows(next, columns));
  const blank = Object.fromEntries(columns.map((c) => [c.key, '']));
  return (
    <fieldset className="field map-field">
      <legend>
        {name}
        {required ? <span className="field-required"> (required)</span> : null}
      </legend>
      {description ? <p className="field-help">{description}</p> : null}
      <FieldProblems id={`${name}-record-problems`} problems={problems} />
      {rows.map((r, i) => (
        <div className="record-row" key={i}>
          {columns.map((c) =>
            c.control === 'text' ? (
              <TextField key={c.key} label={`${name} ${i + 1} ${c.label}`} value={r[c.key] ?? ''} disabled={disabled} onChange={(v) => set(rows.map((x, j) => (j === i ? { ...x, [c.key]: v } : x)))} />
            ) : (
              <ExpressionField
                key={c.key}
                label={`${name} ${i + 1} ${c.label}`}
                kind={c.control}
                value={r[c.key] ?? ''}
                context={context}
                disabled={disabled}
                onChange={(v) => set(rows.map((x, j) => (j === i ? { ...x, [c.key]: v } : x)))}
              />
            ),
          )}
          <button type="button" className="button button-quiet" disabled={disabled} onClick={() => set(rows.filter((_, j) => j !== i))}>
            Remove {name} {i + 1}
          </button>
        </div>
      ))}
      <button type="button" className="button" disabled={disabled} onClick={() => set([...rows, blank])}>
        Add {name === 'branches' ? 'branch' : name === 'rules' ? 'rule' : 'row'}
      </button>
    </fieldset>
  );
}
