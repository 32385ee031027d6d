import { useId, useState } from 'react';
import { useModalDialog } from '../common/useModalDialog';
import { reasonProblem } from '../../model/ops/ops';
import { ErrorView } from '../common/Status';

/**
 * A modal asking for the reason an ops action needs (the server refuses it without one, and audits it). Confirm stays
 * disabled until a reason is typed; a refusal from the server is shown inside the dialog with its problem title and
 * detail, and the typed reason is kept so nothing is lost. Escape or Cancel closes it without acting.
 */
export function ReasonDialog({
  title,
  consequence,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  consequence: string;
  confirmLabel: string;
  /** Performs the action; a thrown error (ApiError) is shown and the dialog stays open. */
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
  children?: React.ReactNode;
}) {
  const dialog = useModalDialog();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = useId();

  const problem = reasonProblem(reason);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (problem || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(reason.trim());
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="modal-dialog reason-dialog" aria-labelledby={`${id}-title`} aria-describedby={`${id}-consequence`} onCancel={onClose}>
      <form onSubmit={submit}>
        <h2 id={`${id}-title`}>{title}</h2>
        <p id={`${id}-consequence`} className="reason-consequence">
          {consequence}
        </p>
        {children}
        <label htmlFor={`${id}-reason`} className="field-label">
          Reason <span className="required-mark">(required, recorded in the audit trail)</span>
        </label>
        <textarea
          id={`${id}-reason`}
          name="reason"
          required
          autoFocus
          rows={3}
          value={reason}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setReason(e.target.value)}
        />
        {error ? <ErrorView error={error} /> : null}
        <div className="dialog-buttons">
          <button type="button" className="button button-quiet" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={!!problem || busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
