import type { EditorField } from '../../model/inbox';
import '../inbox/work.css';

/**
 * One typed input of a form built from a field spec (an agent's draft in the inbox, a workflow's input on its page):
 * a select for an enum or a boolean, a JSON text area for an object or array, a text box otherwise; the type, range and
 * the field's own error are tied to it for screen readers.
 */
export function FieldInput({
  field,
  value,
  original,
  tracksEdits = true,
  idPrefix = 'field',
  error,
  onChange,
}: {
  field: EditorField;
  value: string;
  /** The agent's value, shown in the hint; a value typed over it marks the field edited. */
  original?: unknown;
  /** False for a form with nothing to compare against (a new instance's input): no "edited" marks. */
  tracksEdits?: boolean;
  idPrefix?: string;
  error?: string;
  onChange: (v: string) => void;
}) {
  const id = `${idPrefix}-${field.name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const originalText = original === undefined || original === null ? null : typeof original === 'object' ? JSON.stringify(original) : String(original);
  const changed = !tracksEdits ? false : originalText !== null ? value.trim() !== originalText && !(field.type === 'object' || field.type === 'array') : value.trim() !== '';
  const describedBy = [error ? errorId : null, hintId].filter(Boolean).join(' ');
  const common = {
    id,
    name: field.name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': field.required || undefined,
  } as const;
  return (
    <div className={`field${error ? ' has-error' : ''}${changed ? ' is-changed' : ''}`}>
      <label htmlFor={id} className="field-label">
        {field.label}
        {field.required ? <span aria-hidden="true"> *</span> : null}
        {field.required ? <span className="visually-hidden"> (required)</span> : null}
      </label>
      {field.enum && field.enum.length > 0 ? (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          {field.enum.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : field.type === 'boolean' ? (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          <option value="true">yes (true)</option>
          <option value="false">no (false)</option>
        </select>
      ) : field.type === 'object' || field.type === 'array' ? (
        <textarea {...common} rows={4} className="mono" value={value} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input
          {...common}
          type="text"
          inputMode={field.type === 'number' ? 'decimal' : field.type === 'integer' ? 'numeric' : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      <span id={hintId} className="field-hint">
        {field.description ? `${field.description} · ` : ''}
        {field.type !== 'any' ? field.type : 'value'}
        {field.minimum !== undefined ? ` ≥ ${field.minimum}` : ''}
        {field.maximum !== undefined ? ` ≤ ${field.maximum}` : ''}
        {originalText !== null ? ` · agent's value: ${originalText}` : ''}
        {changed ? ' · edited' : ''}
      </span>
      {error ? (
        <span id={errorId} className="field-error">
          {field.label} {error}
        </span>
      ) : null}
    </div>
  );
}
