import { useEffect, useId, useState } from 'react';
import { parseEdgeSource } from '../../model/ports';
import type { LocatedProblem } from '../../model/designer/problems';
import type { GraphNode } from '../../model/graph';
import type { ActivityDescriptor, EdgeDefinition, NodeDefinition, RetrySpec, WorkflowDefinition } from '../../model/types';
import type { ExpressionContext } from './ExpressionField';
import { TypedField } from './TypedField';
import { RecordListField } from './RecordListField';
import { recordColumns } from '../../model/designer/inputs';
import { actionSuggestions, connectorSuggestions, nodeInputPath } from '../../model/designer/objectInputs';
import { ApprovalFormField, CompensationField, isCompensationEditable, isFormEditable, problemsUnder, withoutSyntax } from './ObjectInputFields';

export interface NodeEdits {
  rename: (to: string) => string | undefined;
  update: (patch: Partial<Omit<NodeDefinition, 'id'>>) => void;
  setInput: (name: string, value: unknown) => void;
  connect: (port: string, target: string | undefined) => void;
  makeStart: () => void;
  remove: () => void;
}

/**
 * The selected node's properties: id, name, description, every input the activity declares (typed controls; expression
 * and template inputs checked by the server as you type), retry, where each outcome port leads (the keyboard way to
 * connect), the node's own problems, start node and delete.
 */
export function PropertyPanel({
  node,
  definition,
  descriptor,
  nodeIds,
  edges,
  problems,
  context,
  readOnly,
  edits,
}: {
  node: GraphNode;
  /** The draft the node is in (the server's problems name inputs by the node's position in it). */
  definition: WorkflowDefinition;
  descriptor?: ActivityDescriptor;
  nodeIds: string[];
  edges: EdgeDefinition[];
  problems: LocatedProblem[];
  context: ExpressionContext;
  readOnly: boolean;
  edits: NodeEdits;
}) {
  const def = node.definition;
  const inputs = def.inputs ?? {};
  const declared = new Set((descriptor?.inputs ?? []).map((i) => i.name));
  const undeclared = Object.keys(inputs).filter((k) => !declared.has(k));
  // The server's problems about an input show beside it; the list at the top keeps the rest (missing inputs, ports…).
  const pathOf = (name: string) => nodeInputPath(definition, def.id, name) ?? `(${name})`;
  const inputProblems = (name: string) => problemsUnder(problems, pathOf(name));
  const placed = [...(descriptor?.inputs ?? []).map((i) => i.name), ...undeclared].map(pathOf);
  const listed = problems.filter((p) => !placed.some((f) => p.path === f || (p.path ?? '').startsWith(f + '.') || (p.path ?? '').startsWith(f + '[')));
  const targetOf = (port: string) => edges.find((e) => parseEdgeSource(e.from).node === def.id && parseEdgeSource(e.from).port === port)?.to;

  return (
    <section className="property-panel" aria-labelledby="property-heading">
      <h2 id="property-heading" className="panel-title">
        {node.typeLabel} <code>{def.id}</code>
      </h2>
      {descriptor?.description ? <p className="field-help">{descriptor.description}</p> : null}
      {listed.length > 0 ? (
        <ul className="node-problems" aria-label="Problems of this node">
          {listed.map((p, i) => (
            <li key={i} className={p.isError ? 'problem-error' : 'problem-warning'}>
              <span className="problem-code">{p.code}</span> {p.message}
            </li>
          ))}
        </ul>
      ) : null}

      <IdField id={def.id} onRename={edits.rename} disabled={readOnly} />
      <TextField label="Name" value={def.name ?? ''} disabled={readOnly} onChange={(v) => edits.update({ name: v })} />
      <TextField label="Description" value={def.description ?? ''} disabled={readOnly} multiline onChange={(v) => edits.update({ description: v })} />
      {!node.terminal ? (
        <TextField
          label="Output variable"
          value={def.output ?? ''}
          disabled={readOnly}
          help={`Also store the output in vars.<name>; it is always at outputs.${def.id}.`}
          onChange={(v) => edits.update({ output: v })}
        />
      ) : null}

      <fieldset className="field-group">
        <legend>Inputs</legend>
        {(descriptor?.inputs ?? []).length === 0 && undeclared.length === 0 ? <p className="field-help">This node type takes no inputs.</p> : null}
        {(descriptor?.inputs ?? []).map((i) =>
          recordColumns(def.type, i.name) ? (
            <RecordListField
              key={`${def.id}:${i.name}`}
              name={i.name}
              columns={recordColumns(def.type, i.name)!}
              required={i.required}
              description={i.description}
              value={inputs[i.name]}
              context={context}
              disabled={readOnly}
              problems={withoutSyntax(inputProblems(i.name))}
              onChange={(v) => edits.setInput(i.name, v)}
            />
          ) : def.type === 'approval' && i.name === 'form' && isFormEditable(inputs[i.name]) ? (
            <ApprovalFormField
              key={`${def.id}:${i.name}`}
              value={inputs[i.name]}
              description={i.description}
              path={pathOf(i.name)}
              problems={inputProblems(i.name)}
              disabled={readOnly}
              onChange={(v) => edits.setInput(i.name, v)}
            />
          ) : def.type === 'action' && i.name === 'compensation' && isCompensationEditable(inputs[i.name]) ? (
            <CompensationField
              key={`${def.id}:${i.name}`}
              value={inputs[i.name]}
              description={i.description}
              path={pathOf(i.name)}
              problems={inputProblems(i.name)}
              connectors={connectorSuggestions(definition)}
              actions={actionSuggestions(definition)}
              context={context}
              disabled={readOnly}
              onChange={(v) => edits.setInput(i.name, v)}
            />
          ) : (
          <TypedField
            key={`${def.id}:${i.name}`}
            name={i.name}
            kind={i.kind}
            required={i.required}
            description={i.description}
            value={inputs[i.name]}
            context={context}
            disabled={readOnly}
            problems={i.kind === 'expression' || i.kind === 'template' || i.kind === 'expression-map' ? withoutSyntax(inputProblems(i.name)) : inputProblems(i.name)}
            onChange={(v) => edits.setInput(i.name, v)}
          />
          ),
        )}
        {undeclared.map((name) => (
          <TypedField
            key={`${def.id}:${name}`}
            name={name}
            kind="object"
            required={false}
            description="Not declared by this node type: the server will refuse it (AR209). Clear it to remove it."
            value={inputs[name]}
            context={context}
            disabled={readOnly}
            problems={inputProblems(name)}
            onChange={(v) => edits.setInput(name, v)}
          />
        ))}
      </fieldset>

      {node.ports.length > 0 ? (
        <fieldset className="field-group">
          <legend>Connections</legend>
          {node.ports.map((p) => (
            <ConnectField
              key={p.name}
              port={p.name}
              required={p.required}
              value={targetOf(p.name)}
              options={nodeIds.filter((n) => n !== def.id)}
              disabled={readOnly}
              onChange={(t) => edits.connect(p.name, t)}
            />
          ))}
        </fieldset>
      ) : null}

      {!node.terminal ? (
        <fieldset className="field-group">
          <legend>Retry</legend>
          {RETRY_FIELDS.map(([name, kind]) => (
            <TypedField
              key={`${def.id}:retry.${name}`}
              name={name}
              kind={kind}
              required={false}
              value={def.retry?.[name]}
              context={context}
              disabled={readOnly}
              onChange={(v) => edits.update({ retry: cleanRetry({ ...def.retry, [name]: v }) })}
            />
          ))}
        </fieldset>
      ) : null}

      {!readOnly ? (
        <div className="button-row">
          <button type="button" className="button" disabled={node.isStart} onClick={edits.makeStart}>
            {node.isStart ? 'Start node' : 'Make start node'}
          </button>
          <button type="button" className="button button-danger" onClick={edits.remove}>
            Delete node
          </button>
        </div>
      ) : null}
    </section>
  );
}

/** The retry policy's fields and the input kind each is edited as. */
const RETRY_FIELDS: readonly (readonly [keyof RetrySpec, string])[] = [
  ['attempts', 'integer'],
  ['backoff', 'duration'],
  ['timeout', 'duration'],
];

function cleanRetry(r: NodeDefinition['retry']): NodeDefinition['retry'] | undefined {
  const out = Object.fromEntries(Object.entries(r ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  return Object.keys(out).length > 0 ? out : undefined;
}

function IdField({ id, onRename, disabled }: { id: string; onRename: (to: string) => string | undefined; disabled: boolean }) {
  const htmlId = useId();
  const [text, setText] = useState(id);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setText(id);
    setError(undefined);
  }, [id]);
  const commit = () => {
    if (text === id) return;
    setError(onRename(text.trim()));
  };
  return (
    <div className={`field${error ? ' has-problem' : ''}`}>
      <label htmlFor={htmlId}>Node id</label>
      <input
        id={htmlId}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${htmlId}-help`}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      <p id={`${htmlId}-help`} className={error ? 'field-error' : 'field-help'} role={error ? 'alert' : undefined}>
        {error ?? 'Outputs are read as outputs.<id>. Renaming (Enter or leaving the field) rewrites the edges and every expression and template that reads it.'}
      </p>
    </div>
  );
}

export function TextField({ label, value, onChange, disabled, multiline, help }: { label: string; value: string; onChange: (v: string) => void; disabled?: boolean; multiline?: boolean; help?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea id={id} value={value} rows={2} disabled={disabled} onChange={(e) => onChange(e.target.value)} aria-describedby={help ? `${id}-help` : undefined} />
      ) : (
        <input id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} aria-describedby={help ? `${id}-help` : undefined} />
      )}
      {help ? (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
    </div>
  );
}

function ConnectField({ port, required, value, options, onChange, disabled }: { port: string; required: boolean; value?: string; options: string[]; onChange: (t: string | undefined) => void; disabled: boolean }) {
  const id = useId();
  return (
    <div className="field field-inline">
      <label htmlFor={id}>
        {port || 'next'}
        {required ? <span className="field-required"> (required)</span> : null} →
      </label>
      <select id={id} value={value ?? ''} disabled={disabled} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">(not connected)</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}
