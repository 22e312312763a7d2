/**
 * Wait for an event a busy machine may deliver late: poll `ready` every `everyMs` until it holds
 * or `timeoutMs` has passed. Returns whether it held; the caller asserts what it waited for.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitUntil(ready: () => boolean | Promise<boolean>, { timeoutMs = 5000, everyMs = 50 } = {}): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await ready()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
