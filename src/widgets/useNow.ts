import { useEffect, useState } from 'react';

/**
 * The current time (ms since the epoch), renewed every `intervalMs` while
 * `ticking`: what elapsed-time labels render from. Stopped, it keeps the
 * last value and holds no timer.
 */
export function useNow(ticking: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) {
      return;
    }
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [ticking, intervalMs]);
  return now;
}
