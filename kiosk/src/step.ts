// Running one step of the visit, and the error line above the screen.
import { ApiError } from "./api.ts";
import type { Kiosk } from "./state.ts";

export function showError(k: Kiosk, error: unknown): void {
  const code = error instanceof ApiError ? error.code : "unknown";
  k.state.error = code;
  if (!(error instanceof ApiError)) console.error(error);
}

/** Runs one step: busy while it runs, plain-words error when it fails, dropped after a wipe. */
export async function step(k: Kiosk, fn: (gen: number) => Promise<void>): Promise<void> {
  if (k.state.busy) return;
  const gen = k.generation;
  k.state.busy = true;
  k.state.error = null;
  k.render();
  try {
    await fn(gen);
  } catch (error) {
    if (gen === k.generation) showError(k, error);
  } finally {
    if (gen === k.generation) {
      k.state.busy = false;
      k.render();
    }
  }
}

/** The person corrected the input: the old error no longer applies (no re-render: keep the caret). */
export function clearError(k: Kiosk): void {
  if (!k.state.error) return;
  k.state.error = null;
  document.querySelector("[data-test=error]")?.remove();
}
