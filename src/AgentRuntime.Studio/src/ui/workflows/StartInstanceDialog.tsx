import { useId, useMemo, useState } from 'react';
import { useModalDialog } from '../common/useModalDialog';
import { ApiError } from '../../api/client';
import { opsApi } from '../../api/ops';
import { serverFieldErrors } from '../../model/inbox';
import { RAW_INPUT_FIELD, startFields, startInput } from '../../model/startInstance';
import type { WorkflowDefinition } from '../../model/types';
import { FieldInput } from '../common/FieldInput';
import { ErrorView } from '../common/Status';

/**
 * Starts an instance of a workflow's published version from a form of its input fields. What the person typed stays
 * in the form when the server refuses it: a field the server names gets its message beside it, any other refusal
 * (no role, workflow paused or retired) shows as the server's problem inside the dialog.
 */
export function StartInstanceDialog({
  workflowId,
  version,
  definition,
  onStarted,
  onClose,
}: {
  workflowId: string;
  version: number;
  /** The published version's definition: its input fields make the form. */
  definition: WorkflowDefinition | null;
  onStarted: (started: { id: string; status: string }) => void;
  onClose: () => void;
}) {
  const dialog = useModalDialog();
  const id = useId();
  const declared = useMemo(() => startFields(definition), [definition]);
  const fields = declared.length > 0 ? declared : [RAW_INPUT_FIELD];
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const built = startInput(declared, values);
    setErrors(built.errors);
    setFailure(undefined);
    if (Object.keys(built.errors).length > 0) return;
    setBusy(true);
    try {
      const started = await opsApi.startInstance(workflowId, built.input);
      onStarted(started);
      onClose();
    } catch (err) {
      const named = err instanceof ApiError ? serverFieldErrors(err.problem) : {};
      setErrors(named);
      // The problem's title and detail are shown too: a field the form does not have may be named there.
      setFailure(err);
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="modal-dialog start-dialog" aria-labelledby={`${id}-title`} onCancel={onClose}>
      <form onSubmit={submit} noValidate>
        <h2 id={`${id}-title`}>Start an instance of {workflowId}</h2>
        <p className="hint">
          Runs published version {version}. The server checks the input against the workflow's input fields.
        </p>
        <div className="fields">
          {fields.map((f) => (
            <FieldInput
              key={f.name}
              field={f}
              idPrefix={`${id}-input`}
              tracksEdits={false}
              value={values[f.name] ?? ''}
              error={errors[f.name]}
              onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))}
            />
          ))}
        </div>
        {failure ? <ErrorView error={failure} /> : null}
        <div className="dialog-buttons">
          <button type="button" className="button button-quiet" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Starting…' : 'Start instance'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
