import { describe, expect, it } from 'vitest';
import schemaText from '../../../../../workflows/workflow.schema.json?raw';
import type { AuditProtocolSpec, WorkflowDefinition } from '../types';
import { cleanDefinition } from './draft';
import {
  addCriterion,
  addInputField,
  compact,
  definitionToSave,
  ESCALATION_ACTIONS,
  FALLBACK_STAGES,
  FIELD_TYPES,
  governanceFieldPaths,
  inputFieldConstraints,
  inputFieldPath,
  inputFieldRows,
  moveCriterion,
  moveInputField,
  parseEnumLines,
  PROBE_KINDS,
  probeFields,
  problemsAt,
  removeCriterion,
  removeInputField,
  renameInputField,
  setCriteria,
  setEscalation,
  setProbeField,
  setProbeKind,
  setSampling,
  setStratify,
  STRATIFY_DIMENSIONS,
  stratifyOptions,
  unplacedProblems,
  updateCriterion,
  updateDataSource,
  updateInputField,
} from './governance';
import type { LocatedProblem } from './problems';

// The JSON Schema the server generates from its model and Vocabulary (committed beside the sample workflows; a
// Definitions test keeps it current). Reading it here means a new probe kind or escalation action on the server fails
// this test until the forms offer it.
type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; additionalProperties?: SchemaNode | boolean; enum?: string[]; required?: string[] };
const schema = JSON.parse(schemaText) as SchemaNode;
const props = schema.properties!;
const probeSchema = props['dataSources']!.items!.properties!['probe']!;
const auditSchema = props['auditProtocol']!;
const fieldSchema = (props['input']!.properties!['fields']!.additionalProperties as SchemaNode).properties!;

// Unit tier: the governance forms. What these functions return is what the designer sends the server, so a stray
// empty key, a lost field or a reordered list here is a changed file (a new version) for the person saving it.
describe('governance forms offer exactly what the server accepts', () => {
  it('uses the schema’s words for probe kinds, escalation actions, stratification and field types', () => {
    expect([...PROBE_KINDS]).toEqual(probeSchema.properties!['kind']!.enum);
    expect([...ESCALATION_ACTIONS]).toEqual(auditSchema.properties!['escalation']!.properties!['action']!.enum);
    expect([...STRATIFY_DIMENSIONS]).toEqual(auditSchema.properties!['sampling']!.properties!['stratifyBy']!.items!.enum);
    expect([...FIELD_TYPES]).toEqual(fieldSchema['type']!.enum);
    expect([...FALLBACK_STAGES]).toEqual(props['rollback']!.properties!['fallbackStage']!.enum!.filter((x) => x !== null));
  });

  it('offers only probe properties the schema has, and every one of them for some kind', () => {
    const offered = new Set(PROBE_KINDS.flatMap((k) => probeFields(k).map((f) => f.key)));
    expect([...offered].sort()).toEqual(Object.keys(probeSchema.properties!).filter((k) => k !== 'kind').sort());
    // The validator's AR103 "a 'sql' probe needs …": the form marks those fields required.
    expect(probeFields('sql').filter((f) => f.required).map((f) => f.key)).toEqual(['connection', 'query']);
    expect(probeFields('http').filter((f) => f.required).map((f) => f.key)).toEqual(['url']);
    expect(probeFields('file').filter((f) => f.required).map((f) => f.key)).toEqual(['path']);
    expect(probeFields('ftp')).toEqual([]);
  });
});

describe('probe form', () => {
  it('switching kind keeps shared settings and drops the other kind’s', () => {
    const sql = { kind: 'sql', connection: 'orders', query: 'SELECT 1', minCount: 5, cron: '0 0 * ? * *' };
    expect(setProbeKind(sql, 'file')).toEqual({ kind: 'file', minCount: 5, cron: '0 0 * ? * *' });
    expect(setProbeKind(sql, 'http')).toEqual({ kind: 'http', cron: '0 0 * ? * *' });
    expect(setProbeKind(sql, 'sql')).toBe(sql);
    expect(setProbeKind(sql, '')).toBeUndefined();
    expect(setProbeKind(undefined, 'sql')).toEqual({ kind: 'sql' });
  });

  it('clearing a field removes it instead of writing an empty value', () => {
    const p = setProbeField(setProbeField({ kind: 'sql' }, 'connection', 'orders'), 'minCount', 3);
    expect(p).toEqual({ kind: 'sql', connection: 'orders', minCount: 3 });
    expect(setProbeField(p, 'connection', '')).toEqual({ kind: 'sql', minCount: 3 });
    expect(setProbeField(p, 'minCount', undefined)).toEqual({ kind: 'sql', connection: 'orders' });
  });

  it('a data source keeps its id while its other fields are cleared', () => {
    const s = { id: 'orders', description: 'x', freshness: '1h', probe: { kind: 'sql' } };
    expect(updateDataSource(s, { description: '', probe: undefined })).toEqual({ id: 'orders', freshness: '1h' });
    expect(updateDataSource(s, { id: '' })).toMatchObject({ id: '' });
  });
});

describe('audit protocol form', () => {
  const audit: AuditProtocolSpec = { cron: '0 0 9 ? * MON-FRI', sampling: { rate: 0.1, stratifyBy: ['outcome', 'agent'] }, reviewerRole: 'auditor' };

  it('criteria: add with a fresh id, edit, reorder, remove; none left removes the key', () => {
    let c = addCriterion([]);
    c = addCriterion(c);
    expect(c.map((x) => x.id)).toEqual(['criterion-1', 'criterion-2']);
    c = updateCriterion(c, 0, { id: 'amount-correct', description: 'Amount matches.' });
    c = moveCriterion(c, 0, 1);
    expect(c.map((x) => x.id)).toEqual(['criterion-2', 'amount-correct']);
    expect(moveCriterion(c, 1, 1)).toEqual(c); // already last
    expect(addCriterion([{ id: 'criterion-2', description: '' }]).map((x) => x.id)).toEqual(['criterion-2', 'criterion-3']);
    const withCriteria = setCriteria(audit, c)!;
    expect(withCriteria.criteria).toHaveLength(2);
    expect('criteria' in setCriteria(withCriteria, removeCriterion(removeCriterion(c, 0), 0))!).toBe(false);
  });

  it('escalation: set field by field; all cleared removes it, and an otherwise empty protocol disappears', () => {
    let a = setEscalation(audit, 'failureRateThreshold', 0.05);
    a = setEscalation(a, 'minReviews', 20);
    a = setEscalation(a, 'action', 'demote');
    expect(a!.escalation).toEqual({ failureRateThreshold: 0.05, minReviews: 20, action: 'demote' });
    a = setEscalation(a, 'action', '');
    expect(a!.escalation).toEqual({ failureRateThreshold: 0.05, minReviews: 20 });
    a = setEscalation(setEscalation(a, 'minReviews', undefined), 'failureRateThreshold', undefined);
    expect(a).toEqual(audit);
    expect(setEscalation({ escalation: { failureRateThreshold: 0.1 } }, 'failureRateThreshold', undefined)).toBeUndefined();
    // Zero is a value, not "empty".
    expect(setEscalation(undefined, 'failureRateThreshold', 0)).toEqual({ escalation: { failureRateThreshold: 0 } });
  });

  it('stratify checkboxes keep the file’s order, append new ticks, and offer unknown values for unticking', () => {
    expect(setStratify(audit, 'agent', true)!.sampling!.stratifyBy).toEqual(['outcome', 'agent']);
    const one = setStratify(audit, 'outcome', false)!;
    expect(one.sampling!.stratifyBy).toEqual(['agent']);
    expect(setStratify(one, 'outcome', true)!.sampling!.stratifyBy).toEqual(['agent', 'outcome']);
    expect(setStratify(setStratify(one, 'agent', false), 'x', false)!.sampling).toEqual({ rate: 0.1 });
    expect(stratifyOptions({ sampling: { stratifyBy: ['region'] } })).toEqual(['agent', 'outcome', 'region']);
  });

  it('sampling rate or size; an empty sampling disappears', () => {
    const a = setSampling(setSampling(audit, 'rate', undefined), 'size', 25)!;
    expect(a.sampling).toEqual({ size: 25, stratifyBy: ['outcome', 'agent'] });
    expect(setSampling({ sampling: { rate: 0.5 } }, 'rate', undefined)).toBeUndefined();
  });
});

describe('input fields form', () => {
  const def: WorkflowDefinition = { id: 'w', input: { fields: { orderId: { type: 'string', required: true }, amount: { type: 'number', minimum: 0 } } } };

  it('adds, renames in place, refuses empty and taken names, reorders and removes', () => {
    const added = addInputField(def, ' reason ').definition;
    expect(Object.keys(added.input!.fields!)).toEqual(['orderId', 'amount', 'reason']);
    expect(added.input!.fields!['reason']).toEqual({ type: 'string' });
    expect(addInputField(def, 'amount').error).toMatch(/already exists/);
    expect(addInputField(def, '  ').error).toMatch(/needs a name/);
    const renamed = renameInputField(added, 'amount', 'total').definition;
    expect(Object.keys(renamed.input!.fields!)).toEqual(['orderId', 'total', 'reason']);
    expect(renameInputField(added, 'amount', 'orderId').error).toMatch(/already exists/);
    expect(renameInputField(added, 'amount', 'amount').definition).toBe(added);
    expect(Object.keys(moveInputField(renamed, 'reason', -1).input!.fields!)).toEqual(['orderId', 'reason', 'total']);
    expect(Object.keys(moveInputField(renamed, 'orderId', -1).input!.fields!)).toEqual(['orderId', 'total', 'reason']);
    const none = removeInputField(removeInputField(def, 'orderId'), 'amount');
    expect('input' in none).toBe(false);
  });

  it('drops what the server would not write: false flags, empty texts and lists; a cleared type is string', () => {
    let d = updateInputField(def, 'orderId', { required: false, description: '', enum: parseEnumLines('\n  \n') });
    expect(d.input!.fields!['orderId']).toEqual({ type: 'string' });
    d = updateInputField(d, 'amount', { minimum: undefined, maximum: 500, type: undefined });
    expect(d.input!.fields!['amount']).toEqual({ type: 'string', maximum: 500 });
    expect(parseEnumLines(' low\nhigh \n\n')).toEqual(['low', 'high']);
    expect(inputFieldRows(d).map((r) => r.name)).toEqual(['orderId', 'amount']);
  });

  it('shows range for numbers and allowed values for text (or when the file has them)', () => {
    expect(inputFieldConstraints({ type: 'integer' })).toEqual({ range: true, enum: false });
    expect(inputFieldConstraints({})).toEqual({ range: false, enum: true });
    expect(inputFieldConstraints({ type: 'boolean', minimum: 1 })).toEqual({ range: true, enum: false });
  });
});

describe('problems beside the fields', () => {
  const p = (path: string, message = path): LocatedProblem => ({ path, message, isError: true });

  it('uses the server’s JSON path for field names', () => {
    expect(inputFieldPath('orderId')).toBe('$.input.fields.orderId');
    expect(inputFieldPath("order id's")).toBe("$.input.fields['order id\\'s']");
  });

  it('puts each problem beside its field and leaves the rest for the section list', () => {
    const def: WorkflowDefinition = {
      id: 'w',
      dataSources: [{ id: 'orders', probe: { kind: 'sql' } }, { id: 'crm' }],
      auditProtocol: { criteria: [{ id: 'a', description: '' }] },
      input: { fields: { amount: { type: 'number' } } },
    };
    const problems = [
      p('$.dataSources[0].probe.connection'),
      p('$.dataSources[1]'),
      p('$.auditProtocol.sampling.stratifyBy[1]'),
      p('$.auditProtocol.criteria[0]'),
      p('$.input.fields.amount.minimum'),
      p('$.auditProtocol'),
    ];
    expect(problemsAt(problems, '$.dataSources[0].probe.connection')).toHaveLength(1);
    expect(problemsAt(problems, '$.auditProtocol.sampling.stratifyBy')).toHaveLength(1);
    expect(problemsAt(problems, '$.dataSources[0].probe')).toHaveLength(0); // not the parent's
    expect(unplacedProblems(problems, governanceFieldPaths(def)).map((x) => x.path)).toEqual(['$.dataSources[1]', '$.auditProtocol.criteria[0]', '$.auditProtocol']);
  });
});

describe('saving', () => {
  it('an opened workflow saved unchanged is what was loaded, without the positions the designer laid out', () => {
    const loaded: WorkflowDefinition = { id: 'w', owner: { name: 'Dana' }, flowchart: { nodes: [{ id: 'a', type: 'end' }] } };
    const opened: WorkflowDefinition = { ...loaded, flowchart: { nodes: [{ id: 'a', type: 'end', position: { x: 0, y: 0 } }] } };
    expect(definitionToSave(opened, opened, loaded, cleanDefinition)).toEqual(loaded);
    // A form edited and set back is no change either.
    const roundTrip = { ...opened, owner: compact({ name: 'Dana', email: '' }) };
    expect(definitionToSave(roundTrip, opened, loaded, cleanDefinition)).toEqual(loaded);
    const edited = { ...opened, name: 'W' };
    expect(definitionToSave(edited, opened, loaded, cleanDefinition)).toEqual(edited);
  });
});
