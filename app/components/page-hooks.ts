// What the dashboard pages do alike on the client: keep their data fresh while a sync fills it
// in, and keep their choices (range, comparison, page size…) in the URL.
import { useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";

/** Reloads the page's data every `intervalMs` while `active`. */
export function useRevalidateWhile(active: boolean, intervalMs: number): void {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, revalidator]);
}

/** Sets the given search parameters (null removes one) and keeps the others. */
export function useUpdateSearchParams(): (changes: Record<string, string | null>) => void {
  const [, setSearchParams] = useSearchParams();
  return (changes) =>
    setSearchParams((params) => {
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) params.delete(key);
        else params.set(key, value);
      }
      return params;
    });
}
