import { describe, expect, it } from 'vitest';
import { catalogFrom } from '../ports';
import type { ActivityDescriptor, WorkflowDefinition } from '../types';
import { renameNodeEverywhere, rewriteExpression, rewriteTemplate } from './rename';

// The input kinds of the built-in activities this test uses, as GET /api/v1/activities sends them (BuiltInActivities.cs).
const descriptors: ActivityDescriptor[] = [
  { type: 'approval', displayName: 'Approval', ports: [], inputs: [
    { name: 'title', kind: 'template', required: true },
    { name: 'data', kind: 'expression', required: false },
    { name: 'form', kind: 'object', required: false },
    { name: 'assignee', kind: 'string', required: false },
  ] },
  { type: 'decision', displayName: 'Decision', ports: [], inputs: [{ name: 'branches', kind: 'object', required: true }] },
  { type: 'validate', displayName: 'Validate', ports: [], inputs: [{ name: 'value', kind: 'expression', required: false }, { name: 'rules', kind: 'object', required: true }] },
  { type: 'action', displayName: 'Action', ports: [], inputs: [
    { name: 'action', kind: 'string', required: true },
    { name: 'connector', kind: 'string', required: true },
    { name: 'input', kind: 'expression-map', required: false },
    { name: 'idempotencyKey', kind: 'expression', required: false },
    { name: 'compensation', kind: 'object', required: false },
  ] },
  { type: 'notify', displayName: 'Notify', ports: [], inputs: [{ name: 'message', kind: 'template', required: true }, { name: 'to', kind: 'string', required: false }] },
  { type: 'end', displayName: 'End', ports: [], inputs: [{ name: 'output', kind: 'expression-map', required: false }] },
];
const catalog = catalogFrom(descriptors);

function sample(): WorkflowDefinition {
  return {
    id: 'refunds',
    variables: { last: "coalesce(outputs.review.data, 'review')" },
    outcome: { metric: 'refunded', measure: "outputs.review.outcome == 'approved' ? 1 : 0" },
    flowchart: {
      start: 'review',
      nodes: [
        { id: 'review', type: 'approval', inputs: { title: 'Review {{ input.orderId }}', data: 'input', assignee: 'review', form: { amount: { type: 'number', label: 'review amount' } } } },
        { id: 'review_x', type: 'notify', inputs: { message: 'Decided: {{ outputs.review.outcome }} ({{ outputs.review_x }}) — review done', to: 'review' } },
        { id: 'route', type: 'decision', inputs: { branches: [{ port: 'review', when: "outputs['review'].outcome == 'approved'" }] } },
        { id: 'check', type: 'validate', inputs: { value: 'outputs.review.data', rules: [{ rule: 'outputs.review.data.amount > 0', message: 'Amount {{ outputs.review.data.amount }} must be positive' }] } },
        {
          id: 'refund',
          type: 'action',
          inputs: {
            action: 'review',
            connector: 'record',
            input: { amount: 'outputs.review.data.amount', note: "'outputs.review'" },
            idempotencyKey: 'outputs.review.taskId',
            compensation: { action: 'reverse', connector: 'record', input: { decidedBy: 'outputs.review.decidedBy' }, idempotencyKey: 'outputs.review.taskId' },
          },
        },
        { id: 'unknown', type: 'custom', inputs: { expr: 'outputs.review' } },
        { id: 'done', type: 'end', inputs: { output: { outcome: 'has(outputs.review) ? outputs.review.outcome : null', other: 'vars.outputs.review' } } },
      ],
      edges: [
        { from: 'review.approved', to: 'route' },
        { from: 'route.review', to: 'review_x' },
        { from: 'review_x.done', to: 'review' },
      ],
    },
  };
}

// Unit tier: renaming a node rewrites what reads it. A read left behind makes the server's check flag an unknown node
// (EXPR109) and reads null at run time; a rewrite too many changes a text the author wrote (a literal, another node).
describe('rewriting the reads of a node in one expression', () => {
  it('rewrites dot and bracket reads, keeping the rest of the text as written', () => {
    expect(rewriteExpression('outputs.review.data.amount > 0 && has(outputs.review)', 'review', 'approve')).toEqual({
      text: 'outputs.approve.data.amount > 0 && has(outputs.approve)',
      count: 2,
      unreadable: false,
    });
    expect(rewriteExpression('outputs["review"].x + outputs[\'review\'].y', 'review', 'approve').text).toBe('outputs["approve"].x + outputs[\'approve\'].y');
  });

  it('leaves string literals, longer names, fields called outputs and other roots alone', () => {
    for (const text of ["'outputs.review'", 'outputs.review_x.done', 'vars.outputs.review', 'input.review', "outputs['review-2']", 'review'])
      expect(rewriteExpression(text, 'review', 'approve')).toEqual({ text, count: 0, unreadable: false });
  });

  it('writes an id that is not an identifier in brackets (outputs.a-b would subtract)', () => {
    expect(rewriteExpression('outputs.review.amount', 'review', 'review-2').text).toBe("outputs['review-2'].amount");
    expect(rewriteExpression("outputs['review-2'].amount", 'review-2', 'approve').text).toBe("outputs['approve'].amount");
  });

  it('does not guess inside text it cannot read, and says so', () => {
    expect(rewriteExpression("outputs.review.x == 'open", 'review', 'approve')).toEqual({ text: "outputs.review.x == 'open", count: 0, unreadable: true });
  });

  it('rewrites only inside a template’s placeholders, skipping strings that hold braces', () => {
    expect(rewriteTemplate("review {{ outputs.review.outcome }} {{ '}}' + outputs.review.note }} outputs.review", 'review', 'approve')).toEqual({
      text: "review {{ outputs.approve.outcome }} {{ '}}' + outputs.approve.note }} outputs.review",
      count: 2,
      unreadable: false,
    });
    expect(rewriteTemplate('{{ outputs.review.x', 'review', 'approve').unreadable).toBe(true);
  });
});

describe('renaming a node everywhere', () => {
  it('rewrites edges, start, inputs of every expression kind, variables and the outcome measure', () => {
    const before = sample();
    const r = renameNodeEverywhere(before, 'review', 'approve', catalog);
    expect(r.error).toBeUndefined();
    const d = r.definition;
    const nodes = Object.fromEntries((d.flowchart?.nodes ?? []).map((n) => [n.id, n.inputs]));
    expect(d.flowchart?.start).toBe('approve');
    expect(d.flowchart?.edges).toEqual([
      { from: 'approve.approved', to: 'route' },
      { from: 'route.review', to: 'review_x' }, // a branch port that happens to be called review is a port, not the node
      { from: 'review_x.done', to: 'approve' },
    ]);
    expect(d.variables).toEqual({ last: "coalesce(outputs.approve.data, 'review')" });
    expect(d.outcome?.measure).toBe("outputs.approve.outcome == 'approved' ? 1 : 0");
    // Plain texts (an assignee, a form label, a notify recipient, an action name) are values, not reads.
    expect(nodes['approve']).toEqual(before.flowchart!.nodes![0]!.inputs);
    expect(nodes['review_x']).toEqual({ message: 'Decided: {{ outputs.approve.outcome }} ({{ outputs.review_x }}) — review done', to: 'review' });
    expect(nodes['route']).toEqual({ branches: [{ port: 'review', when: "outputs['approve'].outcome == 'approved'" }] });
    expect(nodes['check']).toEqual({ value: 'outputs.approve.data', rules: [{ rule: 'outputs.approve.data.amount > 0', message: 'Amount {{ outputs.approve.data.amount }} must be positive' }] });
    expect(nodes['refund']).toEqual({
      action: 'review',
      connector: 'record',
      input: { amount: 'outputs.approve.data.amount', note: "'outputs.review'" },
      idempotencyKey: 'outputs.approve.taskId',
      compensation: { action: 'reverse', connector: 'record', input: { decidedBy: 'outputs.approve.decidedBy' }, idempotencyKey: 'outputs.approve.taskId' },
    });
    // A node type the catalog does not know: its input kinds are unknown, so nothing there is guessed at.
    expect(nodes['unknown']).toEqual({ expr: 'outputs.review' });
    expect(nodes['done']).toEqual({ output: { outcome: 'has(outputs.approve) ? outputs.approve.outcome : null', other: 'vars.outputs.review' } });
    expect(r.references).toBe(13);
    expect(r.unreadable).toEqual([]);
    expect(before).toEqual(sample()); // the draft it started from is untouched
  });

  it('refuses a taken, invalid or empty id with the reason and changes nothing', () => {
    const d = sample();
    expect(renameNodeEverywhere(d, 'review', 'review_x', catalog)).toMatchObject({ definition: d, error: "A node 'review_x' already exists." });
    expect(renameNodeEverywhere(d, 'review', '2nd', catalog).error).toMatch(/'2nd' is not a node id: use letters, digits/);
    expect(renameNodeEverywhere(d, 'review', 'has space', catalog).definition).toBe(d);
    expect(renameNodeEverywhere(d, 'review', '', catalog).error).toBe('A node needs an id.');
    expect(renameNodeEverywhere(d, 'review', 'review', catalog)).toEqual({ definition: d, references: 0, unreadable: [] });
  });

  it('lists the texts it could not read instead of half-rewriting them', () => {
    const d = sample();
    d.flowchart!.nodes![3]!.inputs!['value'] = "outputs.review.data == 'x";
    const r = renameNodeEverywhere(d, 'review', 'approve', catalog);
    expect(r.unreadable).toEqual(['$.flowchart.nodes[3].inputs.value']);
    expect(r.definition.flowchart?.nodes?.[3]?.inputs?.['value']).toBe("outputs.review.data == 'x");
  });
});
