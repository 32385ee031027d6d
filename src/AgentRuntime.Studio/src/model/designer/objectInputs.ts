// The two structured node inputs that are neither a list of records nor an expression map: an approval's `form` (field
// name → {type, required, label, …}) and an action's `compensation` ({action, connector, input, url, idempotencyKey}).
// Shapes as the server reads them: DefinitionValidator.CheckObjectInput (compensation keys, form field types),
// TaskForm.Validate (the form keys the server enforces: type, required, minimum, maximum) and the inbox's task editor
// (label, description, enum). Pure functions from one value to the next; an emptied value is `undefined`, so the
// input disappears from the file instead of being written as `{}`.
import type { WorkflowDefinition } from '../types';
import type { FormFieldSpec as TaskFormFieldSpec } from '../inbox';
import { FIELD_TYPES, move } from './governance';

/** A form field as the inbox renders it, plus any key the designer keeps as written. */
export type FormFieldSpec = TaskFormFieldSpec & { [other: string]: unknown };
export type FormValue = Record<string, FormFieldSpec>;

/** The keys a form field row edits, in the order they are written for a new field. Other keys are kept as written. */
export const FORM_FIELD_KEYS = ['type', 'required', 'label', 'description', 'minimum', 'maximum', 'enum'] as const;
/** The types a form field may have (the server's, as for workflow inputs); no type means any value. */
export const FORM_FIELD_TYPES = FIELD_TYPES;

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);
}

/**
 * `obj` with `key` set to `value` (removed when empty). A key already there keeps its place; a new one goes where
 * `order` puts it among the keys present, so a form filled in any order writes `action, connector, input`.
 */
export function withOrderedKey<T extends Record<string, unknown>>(obj: T, key: string, value: unknown, order: readonly string[]): T {
  if (isEmpty(value)) {
    const { [key]: _, ...rest } = obj;
    return rest as T;
  }
  if (Object.prototype.hasOwnProperty.call(obj, key)) return { ...obj, [key]: value };
  const rank = order.indexOf(key);
  const entries = Object.entries(obj);
  const at = rank < 0 ? entries.length : entries.findIndex(([k]) => order.indexOf(k) > rank);
  entries.splice(at < 0 ? entries.length : at, 0, [key, value]);
  return Object.fromEntries(entries) as T;
}

// --- approval form --------------------------------------------------------------------------------------------------

/**
 * The form's fields in file order (the order the approver sees them), or null when the value is not a mapping of
 * mappings (a hand-written file): the panel then shows it as JSON, with the server's problem beside it.
 */
export function formRows(value: unknown): { name: string; spec: FormFieldSpec }[] | null {
  if (value === undefined || value === null) return [];
  if (!isRecord(value) || Object.values(value).some((v) => !isRecord(v))) return null;
  return Object.entries(value).map(([name, spec]) => ({ name, spec: spec as FormFieldSpec }));
}

function formOf(value: unknown): FormValue {
  return isRecord(value) ? ({ ...value } as FormValue) : {};
}

function formOrUndefined(form: FormValue): FormValue | undefined {
  return Object.keys(form).length > 0 ? form : undefined;
}

/** Why `name` cannot name a field of `form` (other than `current`), or undefined when it can. */
export function formFieldNameError(form: unknown, name: string, current?: string): string | undefined {
  const n = name.trim();
  if (n === '') return 'A form field needs a name.';
  if (n !== current && Object.prototype.hasOwnProperty.call(formOf(form), n)) return `A form field '${n}' already exists.`;
  return undefined;
}

/** Adds a text field `name` at the end of the form. */
export function addFormField(form: unknown, name: string): { form: FormValue | undefined; error?: string } {
  const error = formFieldNameError(form, name);
  if (error) return { form: formRows(form) ? (form as FormValue | undefined) : undefined, error };
  return { form: { ...formOf(form), [name.trim()]: { type: 'string' } } };
}

/** Renames a field in place (its position and spec kept); refuses an empty or taken name with the reason. */
export function renameFormField(form: unknown, from: string, to: string): { form: FormValue | undefined; error?: string } {
  const n = to.trim();
  if (n === from) return { form: form as FormValue };
  const error = formFieldNameError(form, n, from);
  if (error) return { form: form as FormValue, error };
  return { form: Object.fromEntries(Object.entries(formOf(form)).map(([k, v]) => [k === from ? n : k, v])) };
}

/**
 * One field's spec with `patch` applied: empty values and `required: false` removed (the server reads a missing flag as
 * false and never needs it written). A field left with no keys stays, as `{}`: it is still a field the approver fills.
 */
export function updateFormField(form: unknown, name: string, patch: Partial<FormFieldSpec>): FormValue {
  const f = formOf(form);
  let spec: FormFieldSpec = { ...(f[name] ?? {}) };
  for (const [k, v] of Object.entries(patch)) spec = withOrderedKey(spec, k, k === 'required' && v === false ? undefined : v, FORM_FIELD_KEYS);
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, k === name ? spec : v]));
}

export function removeFormField(form: unknown, name: string): FormValue | undefined {
  const f = formOf(form);
  delete f[name];
  return formOrUndefined(f);
}

/** Moves field `name` up (-1) or down (+1); at either end nothing changes. */
export function moveFormField(form: unknown, name: string, delta: -1 | 1): FormValue | undefined {
  const entries = Object.entries(formOf(form));
  return formOrUndefined(Object.fromEntries(move(entries, entries.findIndex(([k]) => k === name), delta)));
}

/** Which constraint fields a row shows: minimum/maximum for numbers, allowed values for text (or when already set). */
export function formFieldConstraints(spec: FormFieldSpec): { range: boolean; enum: boolean } {
  const type = spec.type;
  return {
    range: type === 'number' || type === 'integer' || spec.minimum != null || spec.maximum != null,
    enum: type === 'string' || (Array.isArray(spec.enum) && spec.enum.length > 0),
  };
}

/** Keys of a field the row does not edit (kept as written, listed so nobody wonders where they went). */
export function otherFormKeys(spec: FormFieldSpec): string[] {
  return Object.keys(spec).filter((k) => !(FORM_FIELD_KEYS as readonly string[]).includes(k));
}

// --- action compensation --------------------------------------------------------------------------------------------

export type CompensationValue = { action?: string; connector?: string; input?: Record<string, unknown>; url?: string; idempotencyKey?: string; [other: string]: unknown };

/** The keys the server accepts in a compensation (CheckShape), in its order; action and connector are required. */
export const COMPENSATION_KEYS = ['action', 'connector', 'input', 'url', 'idempotencyKey'] as const;
/** Which compensation keys hold expressions (read by a node rename): the input map's values and the key. */
export const COMPENSATION_EXPRESSIONS: Record<string, 'map' | 'expression' | undefined> = { input: 'map', idempotencyKey: 'expression' };

/** The compensation as a record, `{}` when unset, or null when it is not a mapping (then edited as JSON). */
export function compensationOf(value: unknown): CompensationValue | null {
  if (value === undefined || value === null) return {};
  return isRecord(value) ? (value as CompensationValue) : null;
}

/** The compensation with one key set (empty removes it); a compensation left empty is `undefined` (no compensation). */
export function setCompensationField(value: unknown, key: string, v: unknown): CompensationValue | undefined {
  const next = withOrderedKey(compensationOf(value) ?? {}, key, v, COMPENSATION_KEYS);
  return Object.keys(next).length > 0 ? next : undefined;
}

/** Keys of a compensation the form does not edit (the server refuses them: AR102, shown beside the form). */
export function otherCompensationKeys(value: CompensationValue): string[] {
  return Object.keys(value).filter((k) => !(COMPENSATION_KEYS as readonly string[]).includes(k));
}

/** The engine's built-in connectors (the activity catalog does not list connectors). */
export const BUILT_IN_CONNECTORS = ['record', 'http'] as const;

/** Connector names to suggest: the built-ins, then every other one the definition's actions and compensations name. */
export function connectorSuggestions(def: WorkflowDefinition): string[] {
  const names: string[] = [...BUILT_IN_CONNECTORS];
  for (const n of def.flowchart?.nodes ?? []) {
    if (n.type !== 'action') continue;
    const own = n.inputs?.['connector'];
    const comp = compensationOf(n.inputs?.['compensation'])?.connector;
    for (const c of [own, comp]) if (typeof c === 'string' && c.trim() && !names.includes(c)) names.push(c);
  }
  return names;
}

/** Action names to suggest for a compensation: the boundary's allowed actions (others draw warning AR409). */
export function actionSuggestions(def: WorkflowDefinition): string[] {
  return [...(def.boundary?.allowedActions ?? [])];
}

// --- problems beside the fields -------------------------------------------------------------------------------------

/** The JSON path the server uses for property `name` under `parent` (JsonPathText.Property). */
export function propertyPath(parent: string, name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `${parent}.${name}` : `${parent}['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** The path of node `id`'s input `name` in `def` (by the node's position, as the server's problems name it). */
export function nodeInputPath(def: WorkflowDefinition, id: string, name: string): string | undefined {
  const i = (def.flowchart?.nodes ?? []).findIndex((n) => n.id === id);
  return i < 0 ? undefined : propertyPath(`$.flowchart.nodes[${i}].inputs`, name);
}

