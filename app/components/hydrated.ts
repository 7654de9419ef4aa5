import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * false while the server renders and while the browser hydrates, true afterwards (and at once for
 * anything mounted by client-side navigation). For markup the server should keep cheap and the
 * browser then enhances.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
