// Toasts at the bottom of the screen: info/success 3 s, errors 3.5 s (paused on hover).
import { errorMessage } from "./pb.ts";

export interface Toast {
  id: number;
  kind: "info" | "success" | "error";
  text: string;
}

export const toasts = $state<Toast[]>([]);
let nextId = 1;

function push(kind: Toast["kind"], text: string): void {
  const id = nextId++;
  toasts.push({ id, kind, text });
  setTimeout(() => dismiss(id), kind === "error" ? 3500 : 3000);
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
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
