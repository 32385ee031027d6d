import { useEffect, useId, useState } from 'react';
import { parseEnumLines } from '../../model/designer/governance';
import { parseInput } from '../../model/designer/inputs';
import type { LocatedProblem } from '../../model/designer/problems';

/** The server's problems about one field, shown under it (and announced with it through aria-describedby). */
export function FieldProblems({ id, problems }: { id: string; problems: readonly LocatedProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul id={id} className="field-problems">
      {problems.map((p, i) => (
        <li key={i} className={p.isError ? 'problem-error' : 'problem-warning'}>
          {p.code ? <span className="problem-code">{p.code}</span> : null} {p.message}
        </li>
      ))}
    </ul>
  );
}

type Common = { label: string; help?: string; required?: boolean; disabled: boolean; problems?: readonly LocatedProblem[] };

function describedBy(id: string, help: string | undefined, problems: readonly LocatedProblem[] | undefined, error?: string) {
  return [help || error ? `${id}-help` : '', problems?.length ? `${id}-problems` : ''].filter(Boolean).join(' ') || undefined;
}

function Label({ id, label, required }: { id: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={id}>
      {label}
      {required ? <span className="field-required"> (required)</span> : null}
    </label>
  );
}

/** A labelled text input (or text area); '' means "not set" to the caller. */
export function TextInput({ label, help, required, disabled, problems, value, multiline, onChange }: Common & { value: string; multiline?: boolean; onChange: (v: string) => void }) {
  const id = useId();
  const hasProblem = (problems ?? []).some((p) => p.isError);
  return (
    <div className={`field${hasProblem ? ' has-problem' : ''}`}>
      <Label id={id} label={label} required={required} />
      {multiline ? (
        <textarea id={id} value={value} rows={3} disabled={disabled} spellCheck={false} aria-invalid={hasProblem || undefined} aria-describedby={describedBy(id, help, problems)} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input id={id} value={value} disabled={disabled} aria-invalid={hasProblem || undefined} aria-describedby={describedBy(id, help, problems)} onChange={(e) => onChange(e.target.value)} />
      )}
      {help ? (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems ?? []} />
    </div>
  );
}

/**
 * A labelled number input. What does not parse stays in the field with the reason and is not written; empty is "not
 * set". A value changed elsewhere (revert, import) replaces the text unless it is what was typed.
 */
export function NumberInput({ label, help, required, disabled, problems, value, integer, onChange }: Common & { value: number | null | undefined; integer?: boolean; onChange: (v: number | undefined) => void }) {
  const id = useId();
  const kind = integer ? 'integer' : 'number';
  const formatted = value === undefined || value === null ? '' : String(value);
  const [text, setText] = useState(formatted);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const typed = parseInput(kind, text).value;
    if ((typed === undefined ? '' : String(typed)) !== formatted) {
      setText(formatted);
      setError(undefined);
    }
  }, [formatted]);
  const hasProblem = error !== undefined || (problems ?? []).some((p) => p.isError);
  return (
    <div className={`field${hasProblem ? ' has-problem' : ''}`}>
      <Label id={id} label={label} required={required} />
      <input
        id={id}
        value={text}
        inputMode={integer ? 'numeric' : 'decimal'}
        disabled={disabled}
        aria-invalid={hasProblem || undefined}
        aria-describedby={describedBy(id, help, problems, error)}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseInput(kind, e.target.value);
          if (parsed.error !== undefined) setError(parsed.error);
          else {
            setError(undefined);
            onChange(parsed.value as number | undefined);
          }
        }}
      />
      {help || error ? (
        <p id={`${id}-help`} className={error ? 'field-error' : 'field-help'} role={error ? 'alert' : undefined}>
          {error ?? help}
        </p>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems ?? []} />
    </div>
  );
}

/** A labelled select. `options` pairs a value with its text; a value not among them (a hand-written file) is kept as an option. */
export function SelectInput({ label, help, required, disabled, problems, value, options, onChange }: Common & { value: string; options: readonly (readonly [string, string])[]; onChange: (v: string) => void }) {
  const id = useId();
  const all = options.some(([v]) => v === value) ? options : [...options, [value, `${value} (not accepted)`] as const];
  const hasProblem = (problems ?? []).some((p) => p.isError);
  return (
    <div className={`field${hasProblem ? ' has-problem' : ''}`}>
      <Label id={id} label={label} required={required} />
      <select id={id} value={value} disabled={disabled} aria-invalid={hasProblem || undefined} aria-describedby={describedBy(id, help, problems)} onChange={(e) => onChange(e.target.value)}>
        {all.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      {help ? (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems ?? []} />
    </div>
  );
}

/** A labelled checkbox. */
export function CheckboxInput({ label, help, disabled, problems, checked, onChange }: Common & { checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="field field-checkbox">
      <label htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} disabled={disabled} aria-describedby={describedBy(id, help, problems)} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
      {help ? (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems ?? []} />
    </div>
  );
}

/**
 * A name typed in place (an input field's name): each keystroke that gives a valid name renames; one that does not
 * (empty, taken) stays in the box with the reason and changes nothing.
 */
export function NameInput({ label, disabled, problems, value, onRename }: Common & { value: string; onRename: (to: string) => string | undefined }) {
  const id = useId();
  const [text, setText] = useState(value);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (text.trim() !== value) {
      setText(value);
      setError(undefined);
    }
  }, [value]);
  return (
    <div className={`field${error ? ' has-problem' : ''}`}>
      <Label id={id} label={label} />
      <input
        id={id}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, undefined, problems, error)}
        onChange={(e) => {
          setText(e.target.value);
          setError(onRename(e.target.value));
        }}
      />
      {error ? (
        <p id={`${id}-help`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems ?? []} />
    </div>
  );
}

/** Up / down / remove buttons for one row of a list editor, each naming the row for screen readers. */
export function RowButtons({ what, index, count, disabled, onMove, onRemove }: { what: string; index: number; count: number; disabled: boolean; onMove: (delta: -1 | 1) => void; onRemove: () => void }) {
  return (
    <div className="button-row row-buttons">
      <button type="button" className="button button-quiet" disabled={disabled || index === 0} aria-label={`Move ${what} up`} onClick={() => onMove(-1)}>
        ↑
      </button>
      <button type="button" className="button button-quiet" disabled={disabled || index === count - 1} aria-label={`Move ${what} down`} onClick={() => onMove(1)}>
        ↓
      </button>
      <button type="button" className="button button-quiet" disabled={disabled} onClick={onRemove}>
        Remove {what}
      </button>
    </div>
  );
}

/**
 * Adds a named row (an input field, a form field): a name box where Enter adds, and a button. `onAdd`
 * returns why the name is refused (empty, taken, invalid); the name and the reason then stay for the user to fix.
 */
export function AddNamedRow({ what, onAdd }: { what: string; onAdd: (name: string) => string | undefined }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const add = () => {
    const refused = onAdd(name);
    setError(refused);
    if (!refused) setName('');
  };
  return (
    <>
      <div className="map-add">
        <label>
          <span className="visually-hidden">New {what} name</span>
          <input
            value={name}
            placeholder="field name"
            aria-label={`New ${what} name`}
            aria-invalid={error ? true : undefined}
            onChange={(e) => {
              setName(e.target.value);
              setError(undefined);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
        </label>
        <button type="button" className="button" onClick={add}>
          Add {what}
        </button>
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </>
  );
}

/** Allowed values, one per line; the text is kept while typing (a trailing newline is not yet a value). */
export function AllowedValuesInput({ value, help, disabled, problems, onChange }: { value: string[] | undefined; help: string; disabled: boolean; problems: LocatedProblem[]; onChange: (v: string[] | undefined) => void }) {
  const formatted = (value ?? []).join('\n');
  const [text, setText] = useState(formatted);
  const shown = (parseEnumLines(text) ?? []).join('\n') === formatted ? text : formatted;
  return (
    <TextInput
      label="Allowed values (one per line)"
      multiline
      value={shown}
      disabled={disabled}
      help={help}
      problems={problems}
      onChange={(t) => {
        setText(t);
        onChange(parseEnumLines(t));
      }}
    />
  );
}
