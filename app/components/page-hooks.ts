// What the dashboard pages do alike on the client: keep their data fresh while a sync fills it
// in, and keep their choices (range, comparison, page size…) in the URL.
import { useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect, useState } from "react";

/** Reloads the page's data every `intervalMs` while `active`. */
export function useRevalidateWhile(active: boolean, intervalMs: number): void {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, revalidator]);
}

/**
 * Whole seconds since `since` last changed (the page's data as loaded), counted every second
 * while `active`, from 0 on the server and at the first render (so that the page hydrates as
 * it was rendered).
 */
export function useSecondsSince(since: unknown, active: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    setSeconds(0);
    if (!active) return;
    const started = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [since, active]);
  return seconds;
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
