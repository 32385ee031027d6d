import { humanise, parseField, type EditorField, type FieldType } from './inbox';
import type { WorkflowDefinition } from './types';

// The "Start instance" form of a workflow page: a designer trying a published workflow, or an operator re-running a
// request, types the input in a form built from the definition's input fields instead of hand-writing JSON for curl.

const FIELD_TYPES: FieldType[] = ['string', 'number', 'integer', 'boolean', 'object', 'array'];

/** The form's fields, one per declared input field in the definition's order. Empty: the workflow declares none. */
export function startFields(definition: Pick<WorkflowDefinition, 'input'> | null | undefined): EditorField[] {
  const fields = definition?.input?.fields ?? {};
  return Object.entries(fields).map(([name, f]) => ({
    name,
    label: humanise(name),
    type: FIELD_TYPES.includes(f.type as FieldType) ? (f.type as FieldType) : 'any',
    required: f.required === true,
    enum: f.enum && f.enum.length > 0 ? [...f.enum] : undefined,
    minimum: f.minimum ?? undefined,
    maximum: f.maximum ?? undefined,
    description: f.description ?? undefined,
  }));
}

/** The field that stands for the whole input when a workflow declares no input fields: optional JSON, an object. */
export const RAW_INPUT_FIELD: EditorField = {
  name: 'input',
  label: 'Input (JSON object)',
  type: 'object',
  required: false,
  description: 'This workflow declares no input fields; send any JSON object, or nothing.',
};

export interface StartInput {
  /** The request body of POST /api/v1/workflows/{id}/instances. */
  input: Record<string, unknown>;
  /** Field → why its text cannot be sent. Empty: the input can be sent. */
  errors: Record<string, string>;
}

/**
 * Reads the typed values into the start request's input: each filled field parsed by its declared type (a number is
 * sent as a number, not as text), an empty optional field left out. Without declared fields, the one JSON field is the
 * input. The server checks the input again and names the field it refuses.
 */
export function startInput(fields: EditorField[], values: Record<string, string>): StartInput {
  if (fields.length === 0) {
    const parsed = parseField(RAW_INPUT_FIELD, values[RAW_INPUT_FIELD.name] ?? '');
    if (!parsed.ok) return { input: {}, errors: { [RAW_INPUT_FIELD.name]: parsed.error } };
    return { input: parsed.empty ? {} : (parsed.value as Record<string, unknown>), errors: {} };
  }
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const parsed = parseField(field, values[field.name] ?? '');
    if (!parsed.ok) errors[field.name] = parsed.error;
    else if (!parsed.empty) input[field.name] = parsed.value;
  }
  return { input, errors };
}
