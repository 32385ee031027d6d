import { useEffect, useId, useState } from 'react';
import { designerApi, type ExpressionCheck } from '../../api/designer';
import { ApiError } from '../../api/client';

const DEBOUNCE_MS = 350;

/** What the editor knows about the flowchart, so the server can report unknown nodes and variables. */
export interface ExpressionContext {
  nodeIds: string[];
  variables: string[];
}

/**
 * A text field for an expression or a template, checked by the server as the designer types (debounced): the same
 * parser and checker the definition validator uses, so "valid" here means it will publish. The problem is shown under
 * the field with its column and a caret under the offending character.
 */
export function ExpressionField({
  label,
  value,
  kind,
  context,
  onChange,
  required,
  description,
  disabled,
  multiline,
}: {
  label: string;
  value: string;
  kind: 'expression' | 'template';
  context: ExpressionContext;
  onChange: (text: string) => void;
  required?: boolean;
  description?: string;
  disabled?: boolean;
  multiline?: boolean;
}) {
  const id = useId();
  const [check, setCheck] = useState<{ source: string; result?: ExpressionCheck; error?: string } | null>(null);
  const contextKey = JSON.stringify(context);

  useEffect(() => {
    if (value.trim() === '' || disabled) {
      setCheck(null);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      designerApi.checkExpression({ expression: value, kind, nodeIds: context.nodeIds, variables: context.variables }, { signal: controller.signal }).then(
        (result) => setCheck({ source: value, result }),
        (e: unknown) => {
          if (e instanceof DOMException && e.name === 'AbortError') return;
          setCheck({ source: value, error: e instanceof ApiError ? e.title : 'The check could not run.' });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [value, kind, contextKey, disabled]);

  const problem = check?.source === value ? check.result?.problems[0] : undefined;
  const ok = check?.source === value && check.result?.ok;
  const Input = multiline ? 'textarea' : 'input';
  return (
    <div className={`field expression-field${problem ? ' has-problem' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="field-required"> (required)</span> : null}
        <span className="field-kind"> {kind}</span>
      </label>
      <Input
        id={id}
        className="expression-input"
        value={value}
        disabled={disabled}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-status${description ? ` ${id}-desc` : ''}`}
        onChange={(e) => onChange(e.target.value)}
        {...(multiline ? { rows: 2 } : {})}
      />
      {description ? (
        <p id={`${id}-desc`} className="field-help">
          {description}
        </p>
      ) : null}
      <p id={`${id}-status`} className="expression-status" role="status" aria-live="polite">
        {problem ? (
          <>
            <span className="expression-problem">
              {problem.code} at column {problem.column}: {problem.message}
            </span>
            <code className="expression-caret" aria-hidden="true">
              {`${value}\n${' '.repeat(Math.min(problem.position, 400))}^`}
            </code>
          </>
        ) : ok ? (
          <span className="expression-ok">✓ valid {kind}</span>
        ) : check?.error ? (
          <span className="expression-problem">{check.error}</span>
        ) : null}
      </p>
    </div>
  );
}
