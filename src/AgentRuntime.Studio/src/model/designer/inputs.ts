// Typed activity inputs in the property panel: which control edits each kind the activity catalog declares, and how
// the text a person types becomes the value stored in the definition (and back). Pure; the React panel is thin.

/** The kinds `GET /api/v1/activities` sends (InputKind in kebab case). Unknown kinds are edited as JSON. */
export type InputKind =
  | 'string'
  | 'template'
  | 'expression'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'duration'
  | 'string-list'
  | 'expression-map'
  | 'object';

export type Control = 'text' | 'expression' | 'template' | 'number' | 'checkbox' | 'lines' | 'map' | 'json';

/** The control that edits an input of `kind`. */
export function controlFor(kind: string): Control {
  switch (kind) {
    case 'string':
    case 'duration':
      return 'text';
    case 'template':
      return 'template';
    case 'expression':
      return 'expression';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'string-list':
      return 'lines';
    case 'expression-map':
      return 'map';
    default:
      return 'json';
  }
}

export type Parsed = { value: unknown; error?: undefined } | { value?: undefined; error: string };

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h|d))+$/;

/**
 * Reads what was typed into the control of `kind`. Empty text means "not set" (value undefined), so clearing a field
 * removes the input instead of storing an empty string the server would refuse for a number.
 */
export function parseInput(kind: string, text: string): Parsed {
  const t = text.trim();
  switch (controlFor(kind)) {
    case 'text':
      if (t === '') return { value: undefined };
      if (kind === 'duration' && !DURATION.test(t)) return { error: 'A duration such as 90s, 15m, 4h or 1h30m.' };
      return { value: text };
    case 'template':
    case 'expression':
      return { value: t === '' ? undefined : text };
    case 'number': {
      if (t === '') return { value: undefined };
      const n = Number(t);
      if (!Number.isFinite(n)) return { error: 'A number.' };
      if (kind === 'integer' && !Number.isInteger(n)) return { error: 'A whole number.' };
      return { value: n };
    }
    case 'checkbox':
      return { value: t === 'true' ? true : t === 'false' ? false : undefined };
    case 'lines': {
      const items = text.split('\n').map((s) => s.trim()).filter(Boolean);
      return { value: items.length > 0 ? items : undefined };
    }
    case 'map':
    case 'json':
      if (t === '') return { value: undefined };
      try {
        return { value: JSON.parse(t) as unknown };
      } catch (e) {
        return { error: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
  }
}

/** The text a control shows for a stored value (inverse of parseInput for values it produced). */
export function formatInput(kind: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (controlFor(kind)) {
    case 'lines':
      return Array.isArray(value) ? value.map(String).join('\n') : String(value);
    case 'map':
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'checkbox':
      return value === true ? 'true' : value === false ? 'false' : '';
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Rows of an expression map (an action's payload, an end node's output), for a two-column editor. */
export function mapRows(value: unknown): { key: string; expression: string }[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, expression: typeof v === 'string' ? v : JSON.stringify(v) }));
}

/** The map from rows; rows without a key are dropped, the last of two equal keys wins. Empty → undefined. */
export function mapFromRows(rows: readonly { key: string; expression: string }[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.expression;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A column of a list-of-records input (a decision's branches, a validate node's rules). */
export interface RecordColumn {
  key: string;
  label: string;
  control: 'text' | 'expression' | 'template';
}

/**
 * Inputs whose shape the activity checks itself but which are lists of small records: edited as rows with a typed
 * control per column (expressions checked by the server) instead of raw JSON. Null for anything else.
 */
export function recordColumns(nodeType: string, inputName: string): RecordColumn[] | null {
  if (nodeType === 'decision' && inputName === 'branches')
    return [
      { key: 'port', label: 'port', control: 'text' },
      { key: 'when', label: 'when', control: 'expression' },
    ];
  if (nodeType === 'validate' && inputName === 'rules')
    return [
      { key: 'rule', label: 'rule', control: 'expression' },
      { key: 'message', label: 'message', control: 'template' },
    ];
  return null;
}

/** The rows of a list-of-records value; anything that is not a list of objects gives no rows. */
export function recordRows(value: unknown, columns: readonly RecordColumn[]): Record<string, string>[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((v): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v))
    .map((v) => Object.fromEntries(columns.map((c) => [c.key, typeof v[c.key] === 'string' ? (v[c.key] as string) : v[c.key] === undefined ? '' : JSON.stringify(v[c.key])])));
}

/** The value from rows: empty cells are left out, an empty list is "not set". */
export function recordsFromRows(rows: readonly Record<string, string>[], columns: readonly RecordColumn[]): Record<string, string>[] | undefined {
  const out = rows.map((r) => Object.fromEntries(columns.filter((c) => (r[c.key] ?? '') !== '').map((c) => [c.key, r[c.key]!])));
  return out.length > 0 ? out : undefined;
}
