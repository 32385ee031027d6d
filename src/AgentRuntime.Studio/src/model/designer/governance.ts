// The governance forms of the designer (data source probes, audit protocol, input fields) as pure functions from one
// section value to the next. Each returns `undefined` for a section left empty, so clearing a form removes the section
// from the saved file instead of leaving `{}` or `[]` behind (the server would write those, or refuse them). The word
// lists mirror src/AgentRuntime.Definitions/Validation/Vocabulary.cs; governance.test.ts checks them against the JSON
// Schema the server generates (workflows/workflow.schema.json), so a form never offers what the server refuses.
import type { AuditProtocolSpec, DataSourceSpec, InputFieldSpec, ProbeSpec, WorkflowDefinition } from '../types';
import type { LocatedProblem } from './problems';

export const PROBE_KINDS = ['sql', 'http', 'file'] as const;
export const ESCALATION_ACTIONS = ['notify-owner', 'demote', 'pause'] as const;
/** What the server writes when an escalation names no action (EscalationSpec.Action's default). */
export const DEFAULT_ESCALATION_ACTION = 'notify-owner';
/** What the server writes when an escalation names no minimum (EscalationSpec.MinReviews's default). */
export const DEFAULT_MIN_REVIEWS = 1;
export const STRATIFY_DIMENSIONS = ['agent', 'outcome'] as const;
/** Stages an agent may be rolled back to (never execute). */
export const FALLBACK_STAGES = ['shadow', 'draft'] as const;
export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;

// --- generic --------------------------------------------------------------------------------------------------------

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/**
 * `o` without undefined, null, '', [] and {} values (recursing into nested objects, not into list items, whose
 * positions the server's problems refer to). An object left with nothing is `undefined`.
 */
export function compact<T extends object>(o: T | null | undefined): T | undefined {
  if (!o) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const c = v && typeof v === 'object' && !Array.isArray(v) ? compact(v as object) : v;
    if (!isEmpty(c)) out[k] = c;
  }
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}

function withKey<T extends object>(o: T | null | undefined, key: string, value: unknown): T | undefined {
  return compact({ ...(o ?? {}), [key]: value } as T);
}

/** The list with item i swapped with its neighbour delta away (unchanged when that is out of range). */
export function move<T>(list: readonly T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return [...list];
  const next = [...list];
  [next[i], next[j]] = [next[j]!, next[i]!];
  return next;
}

// --- probes ---------------------------------------------------------------------------------------------------------

export type ProbeKey = 'connection' | 'query' | 'url' | 'freshnessField' | 'path' | 'minCount' | 'cron';

/** One field of a probe form: the ProbeSpec property, its label, how it is typed, and whether the server needs it. */
export interface ProbeField {
  key: ProbeKey;
  label: string;
  control: 'text' | 'multiline' | 'integer';
  required: boolean;
  help: string;
}

const CRON: ProbeField = { key: 'cron', label: 'Probe schedule (cron)', control: 'text', required: false, help: 'Quartz cron, e.g. 0 */15 * ? * *. Empty: every 15 minutes.' };

const PROBE_FIELDS: Record<(typeof PROBE_KINDS)[number], ProbeField[]> = {
  sql: [
    { key: 'connection', label: 'Connection name', control: 'text', required: true, help: 'The name of a connection string in the host’s configuration (Probes:Connections), never the string itself.' },
    { key: 'query', label: 'Query', control: 'multiline', required: true, help: 'Read-only; returns last_updated and/or row_count in its first row.' },
    { key: 'minCount', label: 'Minimum row count', control: 'integer', required: false, help: 'Fewer rows than this and the source is not ready.' },
    CRON,
  ],
  http: [
    { key: 'url', label: 'URL', control: 'text', required: true, help: 'An absolute http(s) URL the probe GETs.' },
    { key: 'freshnessField', label: 'Last-updated header or JSON field', control: 'text', required: false, help: 'A response header, or a dotted JSON field of the body, holding the last-updated time. Empty: Last-Modified.' },
    CRON,
  ],
  file: [
    { key: 'path', label: 'File path', control: 'text', required: true, help: 'The file whose age (against the freshness window) and size are checked.' },
    { key: 'minCount', label: 'Minimum size (bytes)', control: 'integer', required: false, help: 'A smaller file is not ready.' },
    CRON,
  ],
};

/** The fields of a probe of `kind` (none for an unknown kind: the server's problem names it). */
export function probeFields(kind: string | undefined): ProbeField[] {
  return (PROBE_FIELDS as Record<string, ProbeField[]>)[kind ?? ''] ?? [];
}

/**
 * The probe after choosing `kind` ('' = no probe). Values the new kind also has (schedule, minimum) are kept, the
 * others dropped, so a probe switched from sql to http does not carry a stray `query` into the file.
 */
export function setProbeKind(probe: ProbeSpec | null | undefined, kind: string): ProbeSpec | undefined {
  if (kind === '') return undefined;
  if (probe?.kind === kind) return probe;
  const next: ProbeSpec = { kind };
  for (const f of probeFields(kind)) if (probe && !isEmpty(probe[f.key])) next[f.key] = probe[f.key];
  return next;
}

/** The probe with one field set; empty values remove the field. The kind stays, so a probe is never field-less noise. */
export function setProbeField(probe: ProbeSpec, key: ProbeKey, value: string | number | undefined): ProbeSpec {
  return withKey(probe, key, value) ?? probe;
}

/** The data source with `patch` applied (empty values removed). */
export function updateDataSource(source: DataSourceSpec, patch: Partial<DataSourceSpec>): DataSourceSpec {
  const next: Record<string, unknown> = { ...source };
  for (const [k, v] of Object.entries(patch)) {
    if (isEmpty(v) && k !== 'id') delete next[k];
    else next[k] = v;
  }
  return next as unknown as DataSourceSpec;
}

// --- audit protocol -------------------------------------------------------------------------------------------------

export type Criterion = { id: string; description: string };

/** Sets one field of the audit protocol (cron, reviewerRole…); the protocol left empty is `undefined`. */
export function setAuditField(audit: AuditProtocolSpec | null | undefined, key: keyof AuditProtocolSpec, value: unknown): AuditProtocolSpec | undefined {
  return withKey(audit, key, value);
}

/** Sets `rate` or `size` of the sampling (an empty sampling disappears). */
export function setSampling(audit: AuditProtocolSpec | null | undefined, key: 'rate' | 'size', value: number | undefined): AuditProtocolSpec | undefined {
  return setAuditField(audit, 'sampling', withKey(audit?.sampling, key, value));
}

/**
 * Ticks or unticks one stratification dimension. Ticked ones keep their order and a new one goes to the end, so
 * opening and saving a file never reorders its list.
 */
export function setStratify(audit: AuditProtocolSpec | null | undefined, dimension: string, on: boolean): AuditProtocolSpec | undefined {
  const current = audit?.sampling?.stratifyBy ?? [];
  const next = on ? (current.includes(dimension) ? current : [...current, dimension]) : current.filter((d) => d !== dimension);
  return setAuditField(audit, 'sampling', withKey(audit?.sampling, 'stratifyBy', next));
}

/** The dimensions to offer as checkboxes: the server's, plus any other the file names (so it can be unticked). */
export function stratifyOptions(audit: AuditProtocolSpec | null | undefined): string[] {
  const extra = (audit?.sampling?.stratifyBy ?? []).filter((d) => !(STRATIFY_DIMENSIONS as readonly string[]).includes(d));
  return [...STRATIFY_DIMENSIONS, ...extra];
}

/** Replaces the criteria; no criteria removes the key. */
export function setCriteria(audit: AuditProtocolSpec | null | undefined, criteria: readonly Criterion[]): AuditProtocolSpec | undefined {
  return setAuditField(audit, 'criteria', [...criteria]);
}

/** A criterion id not yet used: `criterion-1`, `criterion-2`… */
export function newCriterionId(criteria: readonly Criterion[]): string {
  const taken = new Set(criteria.map((c) => c.id));
  for (let i = criteria.length + 1; ; i++) if (!taken.has(`criterion-${i}`)) return `criterion-${i}`;
}

export function addCriterion(criteria: readonly Criterion[]): Criterion[] {
  return [...criteria, { id: newCriterionId(criteria), description: '' }];
}

export function updateCriterion(criteria: readonly Criterion[], i: number, patch: Partial<Criterion>): Criterion[] {
  return criteria.map((c, j) => (j === i ? { ...c, ...patch } : c));
}

export function removeCriterion(criteria: readonly Criterion[], i: number): Criterion[] {
  return criteria.filter((_, j) => j !== i);
}

/** Moves criterion `i` up (-1) or down (+1); at either end nothing changes. */
export function moveCriterion(criteria: readonly Criterion[], i: number, delta: -1 | 1): Criterion[] {
  return move(criteria, i, delta);
}

type Escalation = NonNullable<AuditProtocolSpec['escalation']>;

/** Sets one escalation field; an escalation with nothing set disappears. */
export function setEscalation(audit: AuditProtocolSpec | null | undefined, key: keyof Escalation, value: number | string | undefined): AuditProtocolSpec | undefined {
  return setAuditField(audit, 'escalation', withKey(audit?.escalation, key, value));
}

// --- input fields ---------------------------------------------------------------------------------------------------

type Fields = Record<string, InputFieldSpec>;

/** The instance input's fields in file order (the order is kept: it is the order of the start form). */
export function inputFieldRows(def: WorkflowDefinition): { name: string; spec: InputFieldSpec }[] {
  return Object.entries(def.input?.fields ?? {}).map(([name, spec]) => ({ name, spec: spec ?? {} }));
}

/** The `input` section for `fields`; no fields removes it. */
export function inputFromFields(fields: Fields): WorkflowDefinition['input'] | undefined {
  return Object.keys(fields).length > 0 ? { fields } : undefined;
}

function fieldsOf(def: WorkflowDefinition): Fields {
  return { ...(def.input?.fields ?? {}) };
}

/** Why `name` cannot name an input field of `def` (other than `current`), or undefined when it can. */
export function inputFieldNameError(def: WorkflowDefinition, name: string, current?: string): string | undefined {
  const n = name.trim();
  if (n === '') return 'A field needs a name.';
  if (n !== current && Object.prototype.hasOwnProperty.call(def.input?.fields ?? {}, n)) return `A field '${n}' already exists.`;
  return undefined;
}

/** Adds a text field called `name` at the end (its type written out, as the server writes it anyway). */
export function addInputField(def: WorkflowDefinition, name: string): { definition: WorkflowDefinition; error?: string } {
  const error = inputFieldNameError(def, name);
  if (error) return { definition: def, error };
  return { definition: { ...def, input: inputFromFields({ ...fieldsOf(def), [name.trim()]: { type: 'string' } }) } };
}

/** Renames a field in place (its position kept). Refuses an empty or taken name with the reason. */
export function renameInputField(def: WorkflowDefinition, from: string, to: string): { definition: WorkflowDefinition; error?: string } {
  const n = to.trim();
  if (n === from) return { definition: def };
  const error = inputFieldNameError(def, n, from);
  if (error) return { definition: def, error };
  const fields = Object.fromEntries(Object.entries(fieldsOf(def)).map(([k, v]) => [k === from ? n : k, v]));
  return { definition: { ...def, input: inputFromFields(fields) } };
}

/**
 * Applies `patch` to one field's spec. Empty values are removed, `required: false` too (the server never writes a false
 * flag), and a cleared type becomes `string`, the server's default.
 */
export function updateInputField(def: WorkflowDefinition, name: string, patch: Partial<InputFieldSpec>): WorkflowDefinition {
  const fields = fieldsOf(def);
  const spec: Record<string, unknown> = { ...(fields[name] ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (isEmpty(v) || (k === 'required' && v === false)) delete spec[k];
    else spec[k] = v;
  }
  if (spec['type'] === undefined) spec['type'] = 'string';
  fields[name] = spec as InputFieldSpec;
  return { ...def, input: inputFromFields(fields) };
}

export function removeInputField(def: WorkflowDefinition, name: string): WorkflowDefinition {
  const fields = fieldsOf(def);
  delete fields[name];
  const next = { ...def, input: inputFromFields(fields) };
  if (next.input === undefined) delete next.input;
  return next;
}

/** Moves a field up (-1) or down (+1) in the start form's order. */
export function moveInputField(def: WorkflowDefinition, name: string, delta: -1 | 1): WorkflowDefinition {
  const entries = Object.entries(fieldsOf(def));
  return { ...def, input: inputFromFields(Object.fromEntries(move(entries, entries.findIndex(([k]) => k === name), delta))) };
}

/** Whether the form shows minimum/maximum (numeric types, or a value already there) and the allowed values (text). */
export function inputFieldConstraints(spec: InputFieldSpec): { range: boolean; enum: boolean } {
  const type = spec.type ?? 'string';
  return {
    range: type === 'number' || type === 'integer' || spec.minimum != null || spec.maximum != null,
    enum: type === 'string' || (spec.enum?.length ?? 0) > 0,
  };
}

/** Allowed values typed one per line → the list (blank lines dropped); none → undefined. */
export function parseEnumLines(text: string): string[] | undefined {
  const values = text.split('\n').map((s) => s.trim()).filter(Boolean);
  return values.length > 0 ? values : undefined;
}

// --- problems beside the fields -------------------------------------------------------------------------------------

/** The JSON path the server uses for input field `name` (JsonPathText.Property: bracketed unless an identifier). */
export function inputFieldPath(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `$.input.fields.${name}` : `$.input.fields['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** Problems about the value at `path` itself or its list items (`path[0]`), for the field that edits it. */
export function problemsAt(problems: readonly LocatedProblem[], path: string): LocatedProblem[] {
  return problems.filter((p) => p.path === path || (p.path ?? '').startsWith(path + '['));
}

/** The paths the governance forms show a field for, given what the definition holds. */
export function governanceFieldPaths(def: WorkflowDefinition): string[] {
  const paths: string[] = [];
  (def.dataSources ?? []).forEach((s, i) => {
    const p = `$.dataSources[${i}]`;
    paths.push(`${p}.id`, `${p}.description`, `${p}.freshness`, `${p}.probe.kind`);
    for (const f of probeFields(s.probe?.kind)) paths.push(`${p}.probe.${f.key}`);
  });
  const a = '$.auditProtocol';
  paths.push(`${a}.cron`, `${a}.reviewerRole`, `${a}.sampling.rate`, `${a}.sampling.size`, `${a}.sampling.stratifyBy`);
  (def.auditProtocol?.criteria ?? []).forEach((_, i) => paths.push(`${a}.criteria[${i}].id`, `${a}.criteria[${i}].description`));
  paths.push(`${a}.escalation.failureRateThreshold`, `${a}.escalation.minReviews`, `${a}.escalation.action`);
  for (const { name, spec } of inputFieldRows(def)) {
    const p = inputFieldPath(name);
    const c = inputFieldConstraints(spec);
    paths.push(`${p}.type`, `${p}.required`, `${p}.description`);
    if (c.range) paths.push(`${p}.minimum`, `${p}.maximum`);
    if (c.enum) paths.push(`${p}.enum`);
  }
  return paths;
}

/** Problems no field shows (a missing section, a data source without a probe): the section lists these. */
export function unplacedProblems(problems: readonly LocatedProblem[], fieldPaths: readonly string[]): LocatedProblem[] {
  return problems.filter((p) => !fieldPaths.some((f) => p.path === f || (p.path ?? '').startsWith(f + '[')));
}

// --- saving ---------------------------------------------------------------------------------------------------------

/**
 * What to save: the definition as loaded when the draft still equals what was opened (the positions the designer
 * computed for a file without them are not a change), else the draft. So opening a workflow and saving stores nothing
 * new, while any edit saves the layout with it.
 */
export function definitionToSave(draft: WorkflowDefinition, opened: WorkflowDefinition, loaded: WorkflowDefinition, clean: (d: WorkflowDefinition) => WorkflowDefinition): WorkflowDefinition {
  return JSON.stringify(clean(draft)) === JSON.stringify(clean(opened)) ? clean(loaded) : clean(draft);
}
