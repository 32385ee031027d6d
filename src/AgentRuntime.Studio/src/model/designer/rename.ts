// Renaming a node everywhere it is named: edges, the start pointer, and every expression or template that reads its
// output (`outputs.<id>`, `outputs['<id>']`). Without this a rename leaves expressions reading a node that no longer
// exists, which the server's expression check flags (EXPR109) and which reads null at run time. The rewrite works on
// the expression language's tokens (src/AgentRuntime.Definitions/Expressions/Lexer.cs), so a string literal that merely
// contains the old id, or a longer name that starts with it (`outputs.review_x`), is never touched.
import type { ActivityCatalog } from '../ports';
import type { WorkflowDefinition } from '../types';
import { COMPENSATION_EXPRESSIONS } from './objectInputs';
import { NODE_ID_PATTERN, renameNode } from './draft';
import { recordColumns } from './inputs';

type Tok = { kind: 'id' | 'str' | 'other'; start: number; end: number; value: string };

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '\\': '\\', '/': '/', "'": "'", '"': '"' };

/** The tokens of `src[start, end)` as the server's lexer reads them; null when a string literal is not closed. */
function tokenize(src: string, start: number, end: number): Tok[] | null {
  const out: Tok[] = [];
  let i = start;
  while (i < end) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    const s = i;
    if (IDENT_START.test(c)) {
      while (i < end && IDENT_PART.test(src[i]!)) i++;
      out.push({ kind: 'id', start: s, end: i, value: src.slice(s, i) });
    } else if (DIGIT.test(c)) {
      // Digits, a fraction, an exponent and any letters glued on (the server refuses those; they are never names).
      while (i < end && (IDENT_PART.test(src[i]!) || (src[i] === '.' && DIGIT.test(src[i + 1] ?? '')) || ((src[i] === '+' || src[i] === '-') && /[eE]/.test(src[i - 1]!)))) i++;
      out.push({ kind: 'other', start: s, end: i, value: src.slice(s, i) });
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= end) return null;
        const d = src[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d !== '\\') {
          value += d;
          i++;
          continue;
        }
        const e = src[i + 1];
        if (e === undefined || i + 1 >= end) return null;
        if (e === 'u') {
          value += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          value += ESCAPES[e] ?? e;
          i += 2;
        }
      }
      out.push({ kind: 'str', start: s, end: i, value });
    } else {
      i++;
      out.push({ kind: 'other', start: s, end: i, value: c });
    }
  }
  return out;
}

export interface Rewrite {
  text: string;
  /** How many reads of the node were rewritten. */
  count: number;
  /** The text could not be read (an unclosed string or placeholder) and names the old id: it was left as it was. */
  unreadable: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Rewrites the reads of node `from` in `src[start, end)`; the edits are returned, not applied. */
function edits(src: string, start: number, end: number, from: string, to: string): { at: number; end: number; text: string }[] | null {
  const toks = tokenize(src, start, end);
  if (!toks) return null;
  const out: { at: number; end: number; text: string }[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    // `outputs` as a root (not the field `.outputs` of something else).
    if (t.kind !== 'id' || t.value !== 'outputs' || (i > 0 && toks[i - 1]!.value === '.')) continue;
    const a = toks[i + 1];
    const b = toks[i + 2];
    if (a?.value === '.' && a.kind === 'other' && b?.kind === 'id' && b.value === from) {
      out.push({ at: a.start, end: b.end, text: IDENTIFIER.test(to) ? `.${to}` : `['${to}']` });
    } else if (a?.value === '[' && a.kind === 'other' && b?.kind === 'str' && b.value === from && toks[i + 3]?.value === ']') {
      const quote = src[b.start]!;
      out.push({ at: b.start, end: b.end, text: `${quote}${to}${quote}` });
    }
  }
  return out;
}

function apply(src: string, list: { at: number; end: number; text: string }[]): string {
  let text = src;
  for (const e of [...list].sort((x, y) => y.at - x.at)) text = text.slice(0, e.at) + e.text + text.slice(e.end);
  return text;
}

/** An expression with every read of node `from` (`outputs.from…`, `outputs['from']…`) reading `to` instead. */
export function rewriteExpression(src: string, from: string, to: string): Rewrite {
  const list = edits(src, 0, src.length, from, to);
  if (!list) return { text: src, count: 0, unreadable: src.includes(from) };
  return { text: apply(src, list), count: list.length, unreadable: false };
}

/** The `}}` closing a placeholder whose expression starts at `start`, as Template.FindClose finds it; -1 if none. */
function findClose(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return -1;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/** A template with the reads of node `from` in its `{{ }}` placeholders rewritten; the literal text is never touched. */
export function rewriteTemplate(src: string, from: string, to: string): Rewrite {
  const all: { at: number; end: number; text: string }[] = [];
  let unreadable = false;
  let position = 0;
  while (position < src.length) {
    const open = src.indexOf('{{', position);
    if (open < 0) break;
    const close = findClose(src, open + 2);
    if (close < 0) {
      unreadable = src.slice(open).includes(from);
      break;
    }
    const list = edits(src, open + 2, close, from, to);
    if (list) all.push(...list);
    else unreadable ||= src.slice(open, close).includes(from);
    position = close + 2;
  }
  return { text: apply(src, all), count: all.length, unreadable };
}

export interface RenameResult {
  definition: WorkflowDefinition;
  /** Why the rename was refused (the definition is then unchanged). */
  error?: string;
  /** Expressions and templates rewritten (reads of the node, not edges). */
  references: number;
  /** JSON paths of texts naming the old id that could not be read (syntax errors): left as they were. */
  unreadable: string[];
}

/** Why `to` cannot be the new id of node `from`, or undefined. */
export function renameError(def: WorkflowDefinition, from: string, to: string): string | undefined {
  if (to === from) return undefined;
  if (to === '') return 'A node needs an id.';
  if (!NODE_ID_PATTERN.test(to)) return `'${to}' is not a node id: use letters, digits, _ or -, starting with a letter or _.`;
  if ((def.flowchart?.nodes ?? []).some((n) => n.id === to)) return `A node '${to}' already exists.`;
  return undefined;
}

function propertyPath(parent: string, name: string): string {
  return IDENTIFIER.test(name) ? `${parent}.${name}` : `${parent}['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/**
 * Renames node `from` to `to` and rewrites everything that names it: edges, the start node, and the reads of its output
 * in node inputs (by the kinds `catalog` declares: expressions, templates, expression maps, decision branches, validate
 * rules, an action's compensation input and key), variable initialisers and the outcome measure. Refuses an empty,
 * invalid or taken id with the reason, changing nothing. Inputs of a node type the catalog does not know are left alone
 * (their kinds are unknown, so a text there may be a plain value).
 */
export function renameNodeEverywhere(def: WorkflowDefinition, from: string, to: string, catalog: ActivityCatalog): RenameResult {
  const error = renameError(def, from, to);
  if (error) return { definition: def, error, references: 0, unreadable: [] };
  if (from === to) return { definition: def, references: 0, unreadable: [] };
  const renamed = renameNode(def, from, to);
  if (renamed.error) return { definition: def, error: renamed.error, references: 0, unreadable: [] };

  let references = 0;
  const unreadable: string[] = [];
  const rw = (value: unknown, path: string, template = false): unknown => {
    if (typeof value !== 'string' || !value.includes(from)) return value;
    const r = template ? rewriteTemplate(value, from, to) : rewriteExpression(value, from, to);
    references += r.count;
    if (r.unreadable) unreadable.push(path);
    return r.text;
  };
  const map = (value: unknown, path: string): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, rw(v, propertyPath(path, k))]))
      : value;

  const d = renamed.definition;
  const nodes = (d.flowchart?.nodes ?? []).map((node, i) => {
    const descriptor = catalog.get(node.type);
    if (!node.inputs || !descriptor) return node;
    const base = `$.flowchart.nodes[${i}].inputs`;
    const inputs = Object.fromEntries(
      Object.entries(node.inputs).map(([name, value]) => {
        const path = propertyPath(base, name);
        const kind = descriptor.inputs?.find((x) => x.name === name)?.kind;
        const columns = recordColumns(node.type, name);
        if (kind === 'expression') return [name, rw(value, path)];
        if (kind === 'template') return [name, rw(value, path, true)];
        if (kind === 'expression-map') return [name, map(value, path)];
        if (columns && Array.isArray(value))
          return [
            name,
            value.map((item: unknown, j) =>
              item && typeof item === 'object' && !Array.isArray(item)
                ? Object.fromEntries(
                    Object.entries(item as Record<string, unknown>).map(([k, v]) => {
                      const control = columns.find((c) => c.key === k)?.control;
                      return [k, control === 'expression' || control === 'template' ? rw(v, `${path}[${j}].${k}`, control === 'template') : v];
                    }),
                  )
                : item,
            ),
          ];
        if (node.type === 'action' && name === 'compensation' && value && typeof value === 'object' && !Array.isArray(value))
          return [
            name,
            Object.fromEntries(
              Object.entries(value as Record<string, unknown>).map(([k, v]) => [
                k,
                COMPENSATION_EXPRESSIONS[k] === 'map' ? map(v, `${path}.${k}`) : COMPENSATION_EXPRESSIONS[k] === 'expression' ? rw(v, `${path}.${k}`) : v,
              ]),
            ),
          ];
        return [name, value];
      }),
    );
    return { ...node, inputs };
  });

  const next: WorkflowDefinition = { ...d, flowchart: { ...d.flowchart, nodes, edges: d.flowchart?.edges ?? [] } };
  if (d.variables) next.variables = Object.fromEntries(Object.entries(d.variables).map(([k, v]) => [k, rw(v, propertyPath('$.variables', k)) as string]));
  if (d.outcome?.measure) next.outcome = { ...d.outcome, measure: rw(d.outcome.measure, '$.outcome.measure') as string };
  return { definition: next, references, unreadable };
}
