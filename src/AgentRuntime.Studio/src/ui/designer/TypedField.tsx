import { useEffect, useId, useState } from 'react';
import { controlFor, formatInput, mapFromRows, mapRows, parseInput } from '../../model/designer/inputs';
import type { LocatedProblem } from '../../model/designer/problems';
import { ExpressionField, type ExpressionContext } from './ExpressionField';
import { FieldProblems } from './GovernanceFields';

type Props = {
  name: string;
  kind: string;
  required: boolean;
  description?: string;
  value: unknown;
  onChange: (value: unknown) => void;
  context: ExpressionContext;
  disabled: boolean;
};

/**
 * One activity input, edited with the control its kind calls for (text, number, checkbox, list, expression with
 * server check, template, expression map, JSON). What does not parse stays in the field with the reason beside it
 * and is not written to the draft. The server's problems about the input (from the last check of the draft) show
 * under it.
 */
export function TypedField({ problems, ...props }: Props & { problems?: readonly LocatedProblem[] }) {
  const id = useId();
  // Always the same element tree, so a problem appearing never remounts the control (and loses what is being typed).
  return (
    <div className="typed-field">
      <TypedControl {...props} />
      <FieldProblems id={`${id}-server`} problems={problems ?? []} />
    </div>
  );
}

function TypedControl({
  name,
  kind,
  required,
  description,
  value,
  onChange,
  context,
  disabled,
}: Props) {
  const id = useId();
  const control = controlFor(kind);
  const formatted = formatInput(kind, value);
  const [text, setText] = useState(formatted);
  const [error, setError] = useState<string>();
  // A value changed elsewhere (undo by revert, import) replaces what is typed here, unless it is what we wrote.
  useEffect(() => {
    if (parseInput(kind, text).value === undefined ? formatted !== '' : formatInput(kind, parseInput(kind, text).value) !== formatted) {
      setText(formatted);
      setError(undefined);
    }
  }, [formatted]);

  if (control === 'expression' || control === 'template') {
    return (
      <ExpressionField
        label={name}
        kind={control}
        value={typeof value === 'string' ? value : formatted}
        required={required}
        description={description}
        context={context}
        disabled={disabled}
        multiline={control === 'template'}
        onChange={(t) => onChange(t === '' ? undefined : t)}
      />
    );
  }

  if (control === 'map') {
    const rows = mapRows(value);
    const setRows = (next: { key: string; expression: string }[]) => onChange(mapFromRows(next));
    return (
      <fieldset className="field map-field">
        <legend>
          {name}
          {required ? <span className="field-required"> (required)</span> : null}
          <span className="field-kind"> field → expression</span>
        </legend>
        {description ? <p className="field-help">{description}</p> : null}
        {rows.map((r, i) => (
          <div className="map-row" key={i}>
            <label className="map-key">
              <span className="visually-hidden">{name} field {i + 1} name</span>
              <input
                value={r.key}
                disabled={disabled}
                aria-label={`${name} field ${i + 1} name`}
                onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
              />
            </label>
            <ExpressionField
              label={`${r.key || `field ${i + 1}`} =`}
              kind="expression"
              value={r.expression}
              context={context}
              disabled={disabled}
              onChange={(t) => setRows(rows.map((x, j) => (j === i ? { ...x, expression: t } : x)))}
            />
            <button type="button" className="button button-quiet" disabled={disabled} aria-label={`Remove ${name} field ${r.key || i + 1}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <AddRow disabled={disabled} name={name} onAdd={(key) => setRows([...rows, { key, expression: '' }])} existing={rows.map((r) => r.key)} />
      </fieldset>
    );
  }

  if (control === 'checkbox') {
    return (
      <div className="field field-checkbox">
        <label>
          <input type="checkbox" checked={value === true} disabled={disabled} onChange={(e) => onChange(e.target.checked ? true : undefined)} /> {name}
        </label>
        {description ? <p className="field-help">{description}</p> : null}
      </div>
    );
  }

  const onText = (t: string) => {
    setText(t);
    const parsed = parseInput(kind, t);
    if (parsed.error !== undefined) setError(parsed.error);
    else {
      setError(undefined);
      onChange(parsed.value);
    }
  };
  const multiline = control === 'lines' || control === 'json';
  return (
    <div className={`field${error ? ' has-problem' : ''}`}>
      <label htmlFor={id}>
        {name}
        {required ? <span className="field-required"> (required)</span> : null}
        <span className="field-kind"> {kind}{control === 'lines' ? ', one per line' : ''}</span>
      </label>
      {multiline ? (
        <textarea id={id} value={text} rows={control === 'json' ? 5 : 3} disabled={disabled} spellCheck={false} aria-invalid={error ? true : undefined} aria-describedby={`${id}-help`} onChange={(e) => onText(e.target.value)} />
      ) : (
        <input id={id} value={text} inputMode={control === 'number' ? 'decimal' : undefined} disabled={disabled} aria-invalid={error ? true : undefined} aria-describedby={`${id}-help`} onChange={(e) => onText(e.target.value)} />
      )}
      <p id={`${id}-help`} className={error ? 'field-error' : 'field-help'} role={error ? 'alert' : undefined}>
        {error ?? description}
      </p>
    </div>
  );
}

function AddRow({ name, onAdd, existing, disabled }: { name: string; onAdd: (key: string) => void; existing: string[]; disabled: boolean }) {
  const [key, setKey] = useState('');
  const taken = existing.includes(key.trim());
  return (
    <div className="map-add">
      <label>
        <span className="visually-hidden">New {name} field name</span>
        <input value={key} disabled={disabled} placeholder="field name" aria-label={`New ${name} field name`} onChange={(e) => setKey(e.target.value)} />
      </label>
      <button
        type="button"
        className="button"
        disabled={disabled || key.trim() === '' || taken}
        onClick={() => {
          onAdd(key.trim());
          setKey('');
        }}
      >
        Add field
      </button>
    </div>
  );
}
