// Toasts: info/success 3 s, errors 3.5 s, paused while hovered; the same message again replaces
// the older one instead of stacking.
import { errorMessage } from "./pb.ts";

export interface Toast {
  id: number;
  kind: "info" | "success" | "error";
  text: string;
}

export const toasts = $state<Toast[]>([]);
let nextId = 1;
const timers = new Map<
  number,
  { deadline: number; remaining: number; handle?: ReturnType<typeof setTimeout> }
>();
let paused = false;

function schedule(id: number, ms: number): void {
  const t = {
    deadline: Date.now() + ms,
    remaining: ms,
    handle: undefined as ReturnType<typeof setTimeout> | undefined,
  };
  if (!paused) t.handle = setTimeout(() => dismiss(id), ms);
  timers.set(id, t);
}

function push(kind: Toast["kind"], text: string): void {
  const same = toasts.find((t) => t.kind === kind && t.text === text);
  if (same) dismiss(same.id);
  const id = nextId++;
  toasts.push({ id, kind, text });
  schedule(id, kind === "error" ? 3500 : 3000);
}

export function dismiss(id: number): void {
  const timer = timers.get(id);
  if (timer?.handle) clearTimeout(timer.handle);
  timers.delete(id);
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}

/** Hovering the toasts stops their clocks; leaving restarts them with the time they had left. */
export function pauseToasts(pause: boolean): void {
  if (pause === paused) return;
  paused = pause;
  const now = Date.now();
  for (const [id, t] of timers) {
    if (pause) {
      if (t.handle) clearTimeout(t.handle);
      t.handle = undefined;
      t.remaining = Math.max(0, t.deadline - now);
    } else {
      t.deadline = now + t.remaining;
      t.handle = setTimeout(() => dismiss(id), t.remaining);
    }
  }
}

export const toast = {
  info: (text: string) => push("info", text),
  success: (text: string) => push("success", text),
  error: (text: string) => push("error", text),
  /** Shows a failed call's message (ignoring cancelled requests). */
  apiError: (err: unknown) => {
    if ((err as { isAbort?: boolean })?.isAbort) return;
    push("error", errorMessage(err));
  },
};
