import { describe, expect, it } from 'vitest';
import { RAW_INPUT_FIELD, startFields, startInput } from './startInstance';

// Why: the form is what a person types a workflow's input into; a number sent as text, or a required field let
// through empty, would be refused by the server (or worse, start an instance with the wrong input).

const refund = {
  input: {
    fields: {
      orderId: { type: 'string', required: true, description: 'The order to refund.' },
      customerEmail: { type: 'string' },
      amount: { type: 'number', required: true, minimum: 0 },
      channel: { type: 'string', enum: ['web', 'phone'] },
      express: { type: 'boolean' },
    },
  },
};

describe('startFields', () => {
  it('makes one labelled, typed field per declared input field, in order', () => {
    const fields = startFields(refund);
    expect(fields.map((f) => [f.name, f.label, f.type, f.required])).toEqual([
      ['orderId', 'Order id', 'string', true],
      ['customerEmail', 'Customer email', 'string', false],
      ['amount', 'Amount', 'number', true],
      ['channel', 'Channel', 'string', false],
      ['express', 'Express', 'boolean', false],
    ]);
    expect(fields[2]!.minimum).toBe(0);
    expect(fields[3]!.enum).toEqual(['web', 'phone']);
    expect(startFields({ input: null })).toEqual([]);
  });
});

describe('startInput', () => {
  const fields = startFields(refund);

  it('sends typed values and leaves empty optional fields out', () => {
    const r = startInput(fields, { orderId: 'ORD-1', amount: '42.5', express: 'true', customerEmail: '  ' });
    expect(r.errors).toEqual({});
    expect(r.input).toEqual({ orderId: 'ORD-1', amount: 42.5, express: true });
  });

  it('names every field it cannot send and why', () => {
    const r = startInput(fields, { amount: '-3', channel: 'fax' });
    expect(r.errors).toEqual({ orderId: 'is required', amount: 'must be at least 0', channel: 'must be one of: web, phone' });
  });

  it('takes a JSON object as the whole input when no fields are declared', () => {
    expect(startInput([], { [RAW_INPUT_FIELD.name]: '{"a": 1}' })).toEqual({ input: { a: 1 }, errors: {} });
    expect(startInput([], {})).toEqual({ input: {}, errors: {} });
    expect(startInput([], { input: '[1]' }).errors.input).toBe('must be a JSON object');
  });
});
