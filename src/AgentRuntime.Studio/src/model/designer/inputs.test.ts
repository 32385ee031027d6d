import { describe, expect, it } from 'vitest';
import { controlFor, formatInput, mapFromRows, mapRows, parseInput } from './inputs';

// Unit tier: typed inputs. A number typed as text, or an empty field stored as "", is a definition the server refuses.
describe('typed inputs', () => {
  it('picks a control per kind from the catalog', () => {
    expect(['string', 'template', 'expression', 'number', 'integer', 'boolean', 'duration', 'string-list', 'expression-map', 'object', 'future-kind'].map(controlFor))
      .toEqual(['text', 'template', 'expression', 'number', 'number', 'checkbox', 'text', 'lines', 'map', 'json', 'json']);
  });

  it('parses typed text, with empty meaning "not set"', () => {
    expect(parseInput('number', ' 0.9 ')).toEqual({ value: 0.9 });
    expect(parseInput('integer', '2.5').error).toMatch(/whole/);
    expect(parseInput('number', 'abc').error).toBeDefined();
    expect(parseInput('number', '')).toEqual({ value: undefined });
    expect(parseInput('duration', '4h')).toEqual({ value: '4h' });
    expect(parseInput('duration', 'four hours').error).toMatch(/duration/);
    expect(parseInput('string-list', 'a\n\n b \n')).toEqual({ value: ['a', 'b'] });
    expect(parseInput('object', '{"amount": {"type": "number"}}')).toEqual({ value: { amount: { type: 'number' } } });
    expect(parseInput('object', '{').error).toMatch(/JSON/);
    expect(parseInput('expression', "'hi ' + input.name")).toEqual({ value: "'hi ' + input.name" });
  });

  it('formats stored values back to the same text', () => {
    for (const [kind, text] of [['number', '0.9'], ['string-list', 'a\nb'], ['template', 'Hi {{ input.name }}'], ['boolean', 'true']] as const) {
      expect(formatInput(kind, parseInput(kind, text).value)).toBe(text);
    }
    expect(formatInput('number', undefined)).toBe('');
  });

  it('edits an expression map as rows', () => {
    const rows = mapRows({ greeting: "'hi'", n: 1 });
    expect(rows).toEqual([{ key: 'greeting', expression: "'hi'" }, { key: 'n', expression: '1' }]);
    expect(mapFromRows([...rows, { key: ' ', expression: 'x' }])).toEqual({ greeting: "'hi'", n: '1' });
    expect(mapFromRows([])).toBeUndefined();
  });
});

import { recordColumns, recordRows, recordsFromRows } from './inputs';

describe('list-of-records inputs', () => {
  it('edits a decision’s branches and a validate node’s rules as rows', () => {
    const cols = recordColumns('decision', 'branches')!;
    expect(cols.map((c) => c.key)).toEqual(['port', 'when']);
    expect(recordColumns('validate', 'rules')!.map((c) => c.control)).toEqual(['expression', 'template']);
    expect(recordColumns('approval', 'form')).toBeNull();
    const rows = recordRows([{ port: 'auto', when: 'input.amount < 10' }, 'junk', { port: 'big' }], cols);
    expect(rows).toEqual([{ port: 'auto', when: 'input.amount < 10' }, { port: 'big', when: '' }]);
    expect(recordsFromRows(rows, cols)).toEqual([{ port: 'auto', when: 'input.amount < 10' }, { port: 'big' }]);
    expect(recordsFromRows([], cols)).toBeUndefined();
  });
});
