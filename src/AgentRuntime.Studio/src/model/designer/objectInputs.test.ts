import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '../types';
import {
  actionSuggestions,
  addFormField,
  COMPENSATION_KEYS,
  compensationOf,
  connectorSuggestions,
  formFieldConstraints,
  formRows,
  moveFormField,
  nodeInputPath,
  otherCompensationKeys,
  otherFormKeys,
  removeFormField,
  renameFormField,
  setCompensationField,
  updateFormField,
  withOrderedKey,
} from './objectInputs';

// Unit tier: the approval form and the action compensation forms. What these return is what the designer sends the
// server, so a lost key, a stray empty value or a reordered field is a changed file — or a task form that asks the
// approver for the wrong thing.
describe('approval form fields', () => {
  it('adds, types, labels, requires and orders fields as the server writes them', () => {
    let form = addFormField(undefined, 'amount').form;
    form = updateFormField(form, 'amount', { label: 'Amount to refund' });
    form = updateFormField(form, 'amount', { required: true });
    form = updateFormField(form, 'amount', { type: 'number' });
    form = addFormField(form, ' note ').form;
    expect(form).toEqual({ amount: { type: 'number', required: true, label: 'Amount to refund' }, note: { type: 'string' } });
    expect(Object.keys(form!['amount']!)).toEqual(['type', 'required', 'label']); // the keys' written order
    expect(Object.keys(moveFormField(form, 'note', -1)!)).toEqual(['note', 'amount']);
    expect(moveFormField(form, 'note', 1)).toEqual(form); // already last
  });

  it('removes cleared values and a false required flag, and the input once the last field goes', () => {
    let form = updateFormField({ amount: { type: 'number', required: true, label: 'x', minimum: 0 } }, 'amount', { required: false, label: '', minimum: undefined });
    expect(form).toEqual({ amount: { type: 'number' } });
    form = updateFormField(form, 'amount', { type: undefined });
    expect(form).toEqual({ amount: {} }); // still a field (of any type)
    expect(removeFormField(form, 'amount')).toBeUndefined();
  });

  it('refuses empty and taken names, renaming in place otherwise', () => {
    const form = { amount: { type: 'number' }, note: { type: 'string' } };
    expect(addFormField(form, 'note').error).toBe("A form field 'note' already exists.");
    expect(addFormField(form, '  ').error).toBe('A form field needs a name.');
    expect(renameFormField(form, 'amount', 'note').error).toBe("A form field 'note' already exists.");
    const r = renameFormField(form, 'amount', 'refundAmount');
    expect(Object.keys(r.form!)).toEqual(['refundAmount', 'note']);
    expect(r.form!['refundAmount']).toEqual({ type: 'number' });
  });

  it('keeps keys it does not edit, and shows a value that is not a mapping of fields as JSON', () => {
    const form = { amount: { type: 'number', placeholder: '0.00' } };
    expect(otherFormKeys(form.amount)).toEqual(['placeholder']);
    expect(updateFormField(form, 'amount', { label: 'Amount' })).toEqual({ amount: { type: 'number', label: 'Amount', placeholder: '0.00' } });
    expect(formRows(['amount'])).toBeNull();
    expect(formRows({ amount: 'number' })).toBeNull();
    expect(formRows(undefined)).toEqual([]);
  });

  it('offers a range for numbers and allowed values for text', () => {
    expect(formFieldConstraints({ type: 'integer' })).toEqual({ range: true, enum: false });
    expect(formFieldConstraints({ type: 'string' })).toEqual({ range: false, enum: true });
    expect(formFieldConstraints({ type: 'boolean', minimum: 1 })).toEqual({ range: true, enum: false });
  });
});

describe('action compensation', () => {
  it('writes action, connector and input in the server’s order whatever order they are filled in', () => {
    let c = setCompensationField(undefined, 'input', { orderId: 'input.orderId' });
    c = setCompensationField(c, 'connector', 'record');
    c = setCompensationField(c, 'action', 'reverse-refund');
    expect(Object.keys(c!)).toEqual(['action', 'connector', 'input']);
    expect([...COMPENSATION_KEYS]).toEqual(['action', 'connector', 'input', 'url', 'idempotencyKey']);
  });

  it('clearing every field removes the compensation; a key already there keeps its place', () => {
    let c = setCompensationField({ connector: 'record', action: 'undo' }, 'action', 'reverse');
    expect(Object.keys(c!)).toEqual(['connector', 'action']);
    c = setCompensationField(setCompensationField(c, 'action', ''), 'connector', undefined);
    expect(c).toBeUndefined();
  });

  it('edits a mapping, shows anything else as JSON, and names keys the server will refuse', () => {
    expect(compensationOf('undo')).toBeNull();
    expect(compensationOf(undefined)).toEqual({});
    expect(otherCompensationKeys({ action: 'a', connector: 'record', retry: 3 })).toEqual(['retry']);
  });

  it('suggests the built-in connectors and those the definition uses, and the boundary’s actions', () => {
    const def: WorkflowDefinition = {
      id: 'w',
      boundary: { allowedActions: ['issue-refund', 'reverse-refund'] },
      flowchart: { nodes: [{ id: 'a', type: 'action', inputs: { connector: 'ledger', compensation: { connector: 'mail' } } }], edges: [] },
    };
    expect(connectorSuggestions(def)).toEqual(['record', 'http', 'ledger', 'mail']);
    expect(actionSuggestions(def)).toEqual(['issue-refund', 'reverse-refund']);
  });
});

describe('paths of node inputs', () => {
  it('names an input as the server’s problems do', () => {
    const def: WorkflowDefinition = { id: 'w', flowchart: { nodes: [{ id: 'a', type: 'end' }, { id: 'b', type: 'action' }], edges: [] } };
    expect(nodeInputPath(def, 'b', 'compensation')).toBe('$.flowchart.nodes[1].inputs.compensation');
    expect(nodeInputPath(def, 'b', 'odd key')).toBe("$.flowchart.nodes[1].inputs['odd key']");
    expect(nodeInputPath(def, 'zz', 'x')).toBeUndefined();
    expect(withOrderedKey({ b: 1 }, 'a', 2, ['a', 'b'])).toEqual({ a: 2, b: 1 });
  });
});
