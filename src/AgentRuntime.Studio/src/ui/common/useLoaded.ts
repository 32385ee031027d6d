import { useEffect, useRef, useState } from 'react';

export type Loaded<T> = { data: T | null; error: unknown; loading: boolean };

/**
 * Loads `load()` when `key` changes and on `refresh()`, keeping the last data on screen while a refresh runs (a list that
 * polls must not flash to "loading" every few seconds). A failed refresh keeps the data and reports the error.
 */
export function useLoaded<T>(key: string, load: (signal: AbortSignal) => Promise<T>): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  const [attempt, setAttempt] = useState(0);
  const lastKey = useRef(key);
  useEffect(() => {
    const controller = new AbortController();
    const keyChanged = lastKey.current !== key;
    lastKey.current = key;
    setState((s) => ({ data: keyChanged ? null : s.data, error: null, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => controller.abort();
    // `load` is a new closure each render on purpose; `key` and `attempt` say when to fetch.
  }, [key, attempt]);
  return [state, () => setAttempt((a) => a + 1)];
}
