import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { workApi } from '../../api/work';
import type { Me } from '../../model/inbox';

// One clock for every countdown on the page: a list of 200 tasks shares a single one-second interval.
const tickListeners = new Set<() => void>();
let tickTimer: number | undefined;

function subscribeTick(listener: () => void): () => void {
  tickListeners.add(listener);
  if (tickTimer === undefined) tickTimer = window.setInterval(() => tickListeners.forEach((l) => l()), 1000);
  return () => {
    tickListeners.delete(listener);
    if (tickListeners.size === 0 && tickTimer !== undefined) {
      window.clearInterval(tickTimer);
      tickTimer = undefined;
    }
  };
}

/** The current time in epoch ms, whole seconds, refreshed every second (for SLA countdowns). */
export function useNow(): number {
  return useSyncExternalStore(subscribeTick, () => Math.floor(Date.now() / 1000) * 1000);
}

/** Who is signed in (null while loading or when signed out): decides which buttons make sense. */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    workApi.me({ signal: controller.signal }).then(setMe, () => setMe(null));
    return () => controller.abort();
  }, []);
  return me;
}

/** Calls `tick` every `intervalMs` while the page is visible (a quiet refresh of lists that others change). */
export function useInterval(tick: () => void, intervalMs: number): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') latest.current();
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
}

/** Whether the server offers this task to me (null until known, or when it cannot be asked). Re-asked when the task changes. */
export function useOfferedToMe(taskId: string, revision: number, open: boolean): boolean | null {
  const [offered, setOffered] = useState<boolean | null>(null);
  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    workApi.isOfferedToMe(taskId, { signal: controller.signal }).then(setOffered, () => setOffered(null));
    return () => controller.abort();
  }, [taskId, revision, open]);
  return offered;
}
