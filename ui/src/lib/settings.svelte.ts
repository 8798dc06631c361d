// A settings page's form: the loaded settings, a working copy, dirty tracking and save.
import { fieldErrors, pb } from "./pb.ts";
import { toast } from "./toasts.svelte.ts";
import { loadAppName } from "./app.svelte.ts";

export type SettingsData = Record<string, any>;

export class SettingsForm {
  loaded = $state(false);
  saving = $state(false);
  data = $state<SettingsData>({});
  errors = $state<Record<string, string>>({});
  #original = $state("{}");
  readonly keys: string[];
  readonly label: string;

  /** `keys` are the top-level settings this page edits (`meta`, `smtp`…). */
  constructor(keys: string[], label: string) {
    this.keys = keys;
    this.label = label;
    void this.load();
  }

  get dirty(): boolean {
    return JSON.stringify(this.pick(this.data)) !== this.#original;
  }

  pick(all: SettingsData): SettingsData {
    return Object.fromEntries(this.keys.map((k) => [k, all[k]]));
  }

  async load(): Promise<void> {
    try {
      const all = await pb.settings.getAll({ requestKey: null });
      this.data = structuredClone(all);
      this.#original = JSON.stringify(this.pick(all));
      this.loaded = true;
    } catch (err) {
      toast.apiError(err);
    }
  }

  reset(): void {
    const original = JSON.parse(this.#original) as SettingsData;
    for (const k of this.keys) this.data[k] = original[k];
    this.errors = {};
  }

  async save(): Promise<boolean> {
    this.saving = true;
    this.errors = {};
    try {
      const all = await pb.settings.update($state.snapshot(this.pick(this.data)), { requestKey: null });
      this.data = structuredClone(all);
      this.#original = JSON.stringify(this.pick(all));
      toast.success(`Successfully saved ${this.label} settings.`);
      void loadAppName();
      return true;
    } catch (err) {
      this.errors = fieldErrors(err);
      toast.apiError(err);
      return false;
    } finally {
      this.saving = false;
    }
  }
}
