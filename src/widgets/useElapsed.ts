import { useEffect, useState } from 'react';

/**
 * The time since `since` (ms since the epoch), read at each render and
 * renewed every `intervalMs` while `ticking`; null without a start.
 *
 * Read at render, not kept from the last tick: a phase that began after the
 * last tick would otherwise show a negative time until the next one. Never
 * negative, and stopped it holds no timer.
 */
export function useElapsed(
  since: number | null,
  ticking: boolean,
  intervalMs = 1000
): number | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!ticking) {
      return;
    }
    const timer = window.setInterval(
      () => setTick(tick => tick + 1),
      intervalMs
    );
    return () => window.clearInterval(timer);
  }, [ticking, intervalMs]);
  return since === null ? null : Math.max(0, Date.now() - since);
}
