// One confirmation dialog at a time; `await confirm(...)` resolves true on "Yes".
export interface ConfirmRequest {
  title: string;
  text: string;
  yes: string;
  no: string;
  /** When set, the user must type this text before "Yes" is enabled. */
  typeToConfirm?: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}

export const dialog = $state<{ current: ConfirmRequest | null }>({ current: null });

export function confirm(
  text: string,
  options: Partial<Omit<ConfirmRequest, "text" | "resolve">> = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    dialog.current?.resolve(false);
    dialog.current = {
      title: options.title ?? "Confirm",
      text,
      yes: options.yes ?? "Yes",
      no: options.no ?? "No",
      danger: options.danger ?? false,
      ...(options.typeToConfirm !== undefined ? { typeToConfirm: options.typeToConfirm } : {}),
      resolve: (ok) => {
        dialog.current = null;
        resolve(ok);
      },
    };
  });
}
