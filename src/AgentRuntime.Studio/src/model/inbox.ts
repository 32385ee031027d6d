// The inbox's logic, framework-free: task shapes, the SLA countdown, which actions a person may take, and the draft editor
// (fields from the task's form, the agent's output schema or the draft itself; text in, typed JSON out). The React layer in
// ui/inbox only renders what these functions decide.

/** A form field as the host's task forms declare it (`form` = name → {type, required, label}). */
export interface FormFieldSpec {
  type?: string;
  required?: boolean;
  label?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  enum?: string[];
}

/** `GET /api/v1/tasks/{id}` (HumanTaskView). */
export interface HumanTask {
  id: string;
  kind: string;
  state: string;
  revision: number;
  title: string;
  instructions?: string | null;
  data?: unknown;
  form?: Record<string, FormFieldSpec> | null;
  assignee?: string | null;
  roles?: string[];
  candidateGroups?: string[];
  excludedUsers?: string[];
  priority?: string;
  claimedBy?: string | null;
  instanceId?: string | null;
  workflowId?: string | null;
  version?: number | null;
  nodeId?: string | null;
  subjectType?: string | null;
  subjectId?: string | null;
  startedBy?: string | null;
  editors?: string[];
  allowSelfApproval?: boolean;
  escalateTo?: string | null;
  createdAt: string;
  updatedAt?: string;
  dueAt?: string | null;
  remindAt?: string | null;
  escalatedAt?: string | null;
  timeoutAt?: string | null;
  outcome?: string | null;
  decidedBy?: string | null;
  decidedAt?: string | null;
  result?: unknown;
  comment?: string | null;
}

/** One entry of `GET /api/v1/tasks/{id}/history`. */
export interface TaskEvent {
  id: number;
  kind: string;
  actor: string;
  revision: number;
  data?: unknown;
  at: string;
}

/** Who is signed in (`GET /api/v1/auth/me`). */
export interface Me {
  name: string;
  roles: string[];
  email?: string | null;
}

export type Outcome = 'approved' | 'rejected' | 'changes-requested';

export const OPEN_STATES = ['available', 'claimed'] as const;

export function isOpen(task: Pick<HumanTask, 'state'>): boolean {
  return task.state === 'available' || task.state === 'claimed';
}

// ---- SLA countdown ------------------------------------------------------------------------------------------

export type SlaTone = 'ok' | 'warn' | 'bad' | 'muted';

export interface SlaStatus {
  /** What to show: "due in 3h 12m 05s", "overdue by 4m 10s", "no SLA", "decided". */
  text: string;
  tone: SlaTone;
  /** Milliseconds until due (negative when overdue); null without an SLA. */
  remainingMs: number | null;
}

/** Under this much time left the countdown turns amber. */
export const SLA_WARN_MS = 60 * 60 * 1000;

/** "2d 03h 12m", "3h 12m 05s", "12m 05s", "45s" — always with seconds under a day, so a per-second refresh shows movement. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${two(h)}h ${two(m)}m`;
  if (h > 0) return `${h}h ${two(m)}m ${two(s)}s`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}

/**
 * The SLA countdown of a task at `now` (epoch ms, injected so tests and the UI's one-second tick choose the clock).
 * Closed tasks and tasks without a due date show no countdown; an escalated task says so, and its timeout is what counts.
 */
export function slaStatus(task: Pick<HumanTask, 'state' | 'dueAt' | 'escalatedAt' | 'timeoutAt'>, now: number): SlaStatus {
  if (!isOpen(task)) return { text: task.state, tone: 'muted', remainingMs: null };
  const due = task.dueAt ? Date.parse(task.dueAt) : NaN;
  if (Number.isNaN(due)) return { text: 'no SLA', tone: 'muted', remainingMs: null };
  const timeout = task.timeoutAt ? Date.parse(task.timeoutAt) : NaN;
  if (task.escalatedAt && !Number.isNaN(timeout)) {
    const left = timeout - now;
    return left > 0
      ? { text: `escalated · times out in ${formatDuration(left)}`, tone: 'bad', remainingMs: due - now }
      : { text: `escalated · timed out ${formatDuration(left)} ago`, tone: 'bad', remainingMs: due - now };
  }
  const left = due - now;
  if (left <= 0) return { text: `overdue by ${formatDuration(left)}`, tone: 'bad', remainingMs: left };
  return { text: `due in ${formatDuration(left)}`, tone: left < SLA_WARN_MS ? 'warn' : 'ok', remainingMs: left };
}

// ---- what the signed-in person may do ---------------------------------------------------------------------------

export interface Abilities {
  claim: boolean;
  release: boolean;
  /** May decide (reject / request changes; approve unless `approveBlocked`). */
  decide: boolean;
  /** Why approving is refused before asking the server (segregation of duties), else null. */
  approveBlocked: string | null;
  /** Why nothing can be done, for the person to read, else null. */
  note: string | null;
}

/** Whether `me` is offered the task: its assignee, one of its roles or groups, or anyone when it names nobody. */
export function isCandidate(task: HumanTask, me: Me): boolean {
  if ((task.excludedUsers ?? []).includes(me.name)) return false;
  const roles = task.roles ?? [];
  const groups = task.candidateGroups ?? [];
  if (!task.assignee && roles.length === 0 && groups.length === 0) return true;
  return task.assignee === me.name || roles.some((r) => me.roles.includes(r)) || groups.some((g) => me.roles.includes(g));
}

/**
 * The inbox asks for a claim before a decision, so two approvers never edit the same draft at once. The server remains the
 * judge (it re-checks everything); this only keeps buttons honest and explains why one is missing. `offeredToMe`: whether
 * the server lists the task for me (`assignee=me`); unknown (undefined/null) falls back to comparing roles.
 */
export function abilities(task: HumanTask, me: Me | null, offeredToMe?: boolean | null): Abilities {
  const none = (note: string | null): Abilities => ({ claim: false, release: false, decide: false, approveBlocked: null, note });
  if (!isOpen(task)) return none(`This task is ${task.state}${task.decidedBy ? ` (decided by ${task.decidedBy})` : ''}.`);
  if (!me) return none('Sign in to act on this task.');
  if ((task.excludedUsers ?? []).includes(me.name)) return none(`${me.name} is excluded from this task.`);
  if (task.state === 'claimed' && task.claimedBy !== me.name) return none(`Claimed by ${task.claimedBy}.`);
  if (task.state === 'available') {
    // The server's own answer (the task is in my `assignee=me` list) wins: roles and groups from the identity provider can
    // be more than the six product roles `GET /auth/me` reports.
    return (offeredToMe ?? isCandidate(task, me))
      ? { claim: true, release: false, decide: false, approveBlocked: null, note: 'Claim the task to edit and decide it.' }
      : none(`This task is offered to ${offeredTo(task)}; ${me.name} is not a candidate.`);
  }
  let approveBlocked: string | null = null;
  if (!task.allowSelfApproval) {
    if (task.startedBy && task.startedBy === me.name)
      approveBlocked = `${me.name} started this and cannot also approve it (segregation of duties).`;
    else if ((task.editors ?? []).includes(me.name))
      approveBlocked = `${me.name} edited the data under review and cannot also approve it (segregation of duties).`;
  }
  return { claim: false, release: true, decide: true, approveBlocked, note: null };
}

export function offeredTo(task: HumanTask): string {
  const parts: string[] = [];
  if (task.assignee) parts.push(`user ${task.assignee}`);
  if (task.roles?.length) parts.push(`role ${task.roles.join('/')}`);
  if (task.candidateGroups?.length) parts.push(`groups ${task.candidateGroups.join('/')}`);
  return parts.length ? parts.join(' and ') : 'anyone';
}

/** A fresh operation id for one user action; a retry of the same action reuses it so the server applies it once. */
export function newOperationId(random: () => string = defaultRandom): string {
  return `studio-${random()}`;
}

function defaultRandom(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// ---- the agent's context -----------------------------------------------------------------------------------

export interface AgentContext {
  /** 0..1, when the task carries the agent's confidence. */
  confidence: number | null;
  rationale: string | null;
  /** What the agent based its draft on (`evidence`), if given. */
  evidence: unknown;
  /** The agent's input (the case), if given. */
  input: unknown;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Reads confidence, rationale, evidence and input wherever the task kind puts them (top level of data, or beside the draft). */
export function agentContext(task: Pick<HumanTask, 'data'>): AgentContext {
  const data = asRecord(task.data) ?? {};
  const draft = asRecord(data.draft) ?? {};
  const pick = (k: string) => (k in data ? data[k] : draft[k]);
  const c = pick('confidence');
  const r = pick('rationale');
  return {
    confidence: typeof c === 'number' && Number.isFinite(c) ? c : null,
    rationale: typeof r === 'string' && r.trim() ? r : null,
    evidence: pick('evidence') ?? null,
    input: data.input ?? null,
  };
}

export function confidenceTone(confidence: number): SlaTone {
  return confidence >= 0.9 ? 'ok' : confidence >= 0.7 ? 'warn' : 'bad';
}

// ---- the draft editor ------------------------------------------------------------------------------------

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'any';

export interface EditorField {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  description?: string;
}

/**
 * What the person edits and where it goes back: `path` is where in `data` the edited object lives (`[]` for an approval's
 * data itself, `['draft']` for an agent's draft, `['decision']` for a shadow decision), `fields` the inputs to show.
 */
export interface EditorSpec {
  path: string[];
  fields: EditorField[];
  /** The object being edited as it is now in the task. */
  original: Record<string, unknown>;
}

/** The JSON-schema-ish output schema of an agent (only what the editor needs). */
export interface OutputSchemaLike {
  type?: string;
  required?: string[];
  properties?: Record<string, { type?: string; enum?: string[]; minimum?: number; maximum?: number; description?: string }>;
}

function normaliseType(t: string | undefined): FieldType {
  switch (t) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'object':
    case 'array':
      return t;
    default:
      return 'any';
  }
}

function inferType(v: unknown): FieldType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  return 'any';
}

export function humanise(name: string): string {
  const spaced = name.replace(/[-_]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

/** Task kinds whose data is decided on, never edited. */
const READ_ONLY_KINDS = new Set(['agent-promotion', 'audit-review']);

/** Keys the context panel already shows (not editable fields of a draft). */
const CONTEXT_KEYS = new Set(['confidence', 'rationale', 'evidence', 'input']);

/**
 * Decides what to edit: an approval's declared `form` over its data; an agent draft's `draft` (fields from the draft's
 * own values, typed by them); a shadow decision's `decision` (fields from the agent's output schema when known).
 * Without any of these, the data's own top-level fields.
 */
export function editorSpec(task: Pick<HumanTask, 'kind' | 'data' | 'form'>, outputSchema?: OutputSchemaLike | null): EditorSpec {
  const data = asRecord(task.data) ?? {};
  const fromSchema = (original: Record<string, unknown>, path: string[]): EditorSpec => {
    const props = outputSchema?.properties ?? {};
    const required = new Set(outputSchema?.required ?? []);
    const names = [...Object.keys(props), ...Object.keys(original).filter((k) => !(k in props))];
    return {
      path,
      original,
      fields: names.map((name) => {
        const p = props[name];
        return {
          name,
          label: humanise(name),
          type: p ? normaliseType(p.type) : inferType(original[name]),
          required: required.has(name),
          ...(p?.enum ? { enum: p.enum } : {}),
          ...(p?.minimum !== undefined ? { minimum: p.minimum } : {}),
          ...(p?.maximum !== undefined ? { maximum: p.maximum } : {}),
          ...(p?.description ? { description: p.description } : {}),
        };
      }),
    };
  };

  // Sign-offs and reviews decide about data; they do not edit it.
  if (READ_ONLY_KINDS.has(task.kind)) return { path: [], original: data, fields: [] };
  if (task.form && Object.keys(task.form).length > 0) {
    // The form declares top-level fields of the data under review (approval tasks); the server checks it against them.
    return {
      path: [],
      original: data,
      fields: Object.entries(task.form).map(([name, f]) => ({
        name,
        label: f.label?.trim() || humanise(name),
        type: normaliseType(f.type),
        required: f.required === true,
        ...(f.enum ? { enum: f.enum } : {}),
        ...(f.minimum !== undefined ? { minimum: f.minimum } : {}),
        ...(f.maximum !== undefined ? { maximum: f.maximum } : {}),
        ...(f.description ? { description: f.description } : {}),
      })),
    };
  }
  if ('decision' in data) return fromSchema(asRecord(data.decision) ?? {}, ['decision']);
  if (asRecord(data.draft)) return fromSchema(asRecord(data.draft) ?? {}, ['draft']);
  const original = Object.fromEntries(Object.entries(data).filter(([k]) => !CONTEXT_KEYS.has(k)));
  return fromSchema(original, []);
}

/** The text a field's input starts with. Objects and arrays are edited as JSON. */
export function fieldText(field: EditorField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.type === 'object' || field.type === 'array' || (field.type === 'any' && typeof value === 'object')) return JSON.stringify(value, null, 2);
  return String(value);
}

export function initialValues(spec: EditorSpec): Record<string, string> {
  return Object.fromEntries(spec.fields.map((f) => [f.name, fieldText(f, spec.original[f.name])]));
}

export type Parsed = { ok: true; value: unknown; empty: boolean } | { ok: false; error: string };

/** Turns a field's text into its JSON value, or says (in words) why it cannot. Empty text means "no value". */
export function parseField(field: EditorField, text: string): Parsed {
  const t = text.trim();
  if (t === '') return field.required ? { ok: false, error: 'is required' } : { ok: true, value: null, empty: true };
  switch (field.type) {
    case 'number':
    case 'integer': {
      const n = Number(t);
      if (!Number.isFinite(n)) return { ok: false, error: 'must be a number' };
      if (field.type === 'integer' && !Number.isInteger(n)) return { ok: false, error: 'must be a whole number' };
      if (field.minimum !== undefined && n < field.minimum) return { ok: false, error: `must be at least ${field.minimum}` };
      if (field.maximum !== undefined && n > field.maximum) return { ok: false, error: `must be at most ${field.maximum}` };
      return { ok: true, value: n, empty: false };
    }
    case 'boolean':
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true', empty: false };
      return { ok: false, error: 'must be true or false' };
    case 'object':
    case 'array': {
      try {
        const v: unknown = JSON.parse(t);
        const isArray = Array.isArray(v);
        if (field.type === 'array' ? !isArray : isArray || v === null || typeof v !== 'object')
          return { ok: false, error: `must be a JSON ${field.type}` };
        return { ok: true, value: v, empty: false };
      } catch {
        return { ok: false, error: `must be valid JSON (${field.type})` };
      }
    }
    case 'string':
      if (field.enum && field.enum.length > 0 && !field.enum.includes(t)) return { ok: false, error: `must be one of: ${field.enum.join(', ')}` };
      return { ok: true, value: text, empty: false };
    default:
      try {
        return { ok: true, value: JSON.parse(t) as unknown, empty: false };
      } catch {
        return { ok: true, value: text, empty: false };
      }
  }
}

export interface BuiltPayload {
  /** The whole task data with the edits applied (what `complete` sends as `payload`). */
  payload: unknown;
  /** Field → error, for the fields that could not be read. Empty: the payload is usable. */
  errors: Record<string, string>;
  /** Names of the fields whose value differs from the task's. */
  changed: string[];
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Applies the edited texts to a copy of the task's data. `requireAll`: required fields must be filled (approving); a
 * rejection or a request for changes need not complete the draft, but what is typed must still parse.
 */
export function buildPayload(task: Pick<HumanTask, 'data'>, spec: EditorSpec, values: Record<string, string>, requireAll: boolean): BuiltPayload {
  const errors: Record<string, string> = {};
  const changed: string[] = [];
  const edited: Record<string, unknown> = clone(spec.original) ?? {};
  for (const field of spec.fields) {
    const text = values[field.name] ?? '';
    const parsed = parseField(requireAll ? field : { ...field, required: false }, text);
    if (!parsed.ok) {
      errors[field.name] = parsed.error;
      continue;
    }
    const before = spec.original[field.name];
    if (parsed.empty) {
      if (before !== undefined && before !== null) changed.push(field.name);
      if (field.name in edited) edited[field.name] = null;
      continue;
    }
    if (JSON.stringify(parsed.value) !== JSON.stringify(before)) changed.push(field.name);
    edited[field.name] = parsed.value;
  }
  let payload: unknown;
  if (spec.path.length === 0) {
    payload = edited;
    // Keep the context keys (confidence, rationale...) that the editor hid, so the data under review stays whole.
    const data = asRecord(task.data);
    if (data) payload = { ...Object.fromEntries(Object.entries(data).filter(([k]) => CONTEXT_KEYS.has(k))), ...edited };
  } else {
    const root = clone(asRecord(task.data) ?? {});
    let cursor: Record<string, unknown> = root;
    spec.path.slice(0, -1).forEach((k) => {
      const next = asRecord(cursor[k]) ?? {};
      cursor[k] = next;
      cursor = next;
    });
    cursor[spec.path[spec.path.length - 1]!] = edited;
    payload = root;
  }
  return { payload, errors, changed };
}

/** The request body of `POST /api/v1/tasks/{id}/complete`. The payload is sent only when something was edited. */
export function completionBody(
  task: Pick<HumanTask, 'revision'>,
  outcome: Outcome,
  built: BuiltPayload | null,
  comment: string,
  operationId: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { outcome, expectedRevision: task.revision, operationId };
  if (built && built.changed.length > 0) body.payload = built.payload;
  if (comment.trim()) body.comment = comment.trim();
  return body;
}

/** Field errors a 400 `invalid-form` problem names (`errors: {field: [messages]}`), as field → one line. */
export function serverFieldErrors(problem: unknown): Record<string, string> {
  const errors = asRecord(asRecord(problem)?.errors);
  if (!errors) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(errors)) out[k] = Array.isArray(v) ? v.map(String).join('; ') : String(v);
  return out;
}

// ---- keeping a draft through failures and reloads ------------------------------------------------------

export interface DraftStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SavedDraft {
  values: Record<string, string>;
  comment: string;
  /** The task revision the draft was written against (a newer task revision is shown to the person, not silently merged). */
  revision: number;
}

const draftKey = (taskId: string) => `agentruntime.inbox.draft.${taskId}`;

export function saveDraft(store: DraftStore | undefined, taskId: string, draft: SavedDraft): void {
  try {
    store?.setItem(draftKey(taskId), JSON.stringify(draft));
  } catch {
    // storage full or disabled: the draft still lives in the page
  }
}

export function loadDraft(store: DraftStore | undefined, taskId: string): SavedDraft | null {
  const raw = store?.getItem(draftKey(taskId));
  if (!raw) return null;
  try {
    const d = JSON.parse(raw) as Partial<SavedDraft>;
    if (d && typeof d === 'object' && d.values && typeof d.values === 'object' && typeof d.revision === 'number')
      return { values: d.values as Record<string, string>, comment: typeof d.comment === 'string' ? d.comment : '', revision: d.revision };
  } catch {
    // damaged: ignore
  }
  return null;
}

export function clearDraft(store: DraftStore | undefined, taskId: string): void {
  store?.removeItem(draftKey(taskId));
}

// ---- list helpers ------------------------------------------------------------------------------------------

export const KIND_LABELS: Record<string, string> = {
  approval: 'Approval',
  'agent-draft': 'Agent draft',
  'agent-decide': 'Decide (shadow)',
  'agent-promotion': 'Promotion sign-off',
  'audit-review': 'Audit review',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? humanise(kind);
}

export function priorityTone(priority: string | undefined): string {
  switch (priority) {
    case 'urgent':
      return 'bad';
    case 'high':
      return 'warn';
    case 'low':
      return 'muted';
    default:
      return 'neutral';
  }
}
