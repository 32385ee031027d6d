import { useEffect, useState } from 'react';
import { awaitingEffect, type InstanceAction, type InstanceSummary, type RowsBefore } from '../../model/ops/ops';

/** An operation the server accepted, whose effect the page does not show yet. */
interface Settling {
  action: InstanceAction;
  before: RowsBefore;
  failed: ReadonlySet<string>;
  deadline: number;
}

/** How long a page waits for the engine to apply an accepted operation before showing the instances as they are. */
const SETTLE_LIMIT_MS = 20_000;
const RECHECK_MS = 700;

/**
 * The server answers an operation (pause, cancel, …) once it is accepted; the engine applies it at each instance's next
 * slice, a moment later. After `start`, this re-reads the affected instances quietly (`read`) until every one shows the
 * effect or the limit passes, then calls `onSettled` once, so the page reloads to the new state instead of showing the
 * instances the operator just cancelled as still waiting. `read` and `onSettled` are taken at `start` time.
 */
export function useSettling(
  read: (signal: AbortSignal) => Promise<Pick<InstanceSummary, 'id' | 'status' | 'updatedAt'>[]>,
  onSettled: () => void,
): { settling: boolean; start: (action: InstanceAction, before: RowsBefore, failed?: ReadonlySet<string>) => void } {
  const [state, setState] = useState<Settling & { read: typeof read; onSettled: typeof onSettled }>();

  useEffect(() => {
    if (!state) return;
    const controller = new AbortController();
    let timer: number | undefined;
    const finish = () => {
      setState(undefined);
      state.onSettled();
    };
    const check = async () => {
      try {
        const rows = await state.read(controller.signal);
        if (awaitingEffect(state.action, state.before, rows, state.failed).length === 0) return finish();
      } catch {
        if (controller.signal.aborted) return;
        // A failed re-read is tried again until the limit; the page's own reload shows a lasting failure.
      }
      if (Date.now() > state.deadline) return finish();
      timer = window.setTimeout(check, RECHECK_MS);
    };
    void check();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [state]);

  return {
    settling: state !== undefined,
    start: (action, before, failed = new Set()) =>
      setState({ action, before, failed, deadline: Date.now() + SETTLE_LIMIT_MS, read, onSettled }),
  };
}
