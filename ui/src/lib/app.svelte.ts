// Shared dashboard state: the collections, the app name and the colour scheme.
import type { CollectionModel } from "pocketbase";
import { pb } from "./pb.ts";
import { load, save } from "./storage.ts";

export const store = $state<{
  collections: CollectionModel[];
  collectionsLoaded: boolean;
  appName: string;
  /** `meta.hideControls`: hide schema controls and lock record saves. */
  hideControls: boolean;
  scheme: "auto" | "light" | "dark";
}>({
  collections: [],
  collectionsLoaded: false,
  appName: "Satchel",
  hideControls: false,
  scheme: load<"auto" | "light" | "dark">("pbColorScheme", "auto"),
});

export async function loadCollections(): Promise<void> {
  const list = await pb.collections.getFullList({ sort: "name", requestKey: null });
  store.collections = list;
  store.collectionsLoaded = true;
}

export async function loadAppName(): Promise<void> {
  try {
    const s = await pb.settings.getAll({ fields: "meta.appName,meta.hideControls", requestKey: null });
    const meta = (s as { meta?: { appName?: string; hideControls?: boolean } }).meta;
    store.appName = meta?.appName || "Satchel";
    store.hideControls = !!meta?.hideControls;
  } catch {
    // The name is cosmetic.
  }
}

export function setScheme(scheme: "auto" | "light" | "dark"): void {
  store.scheme = scheme;
  save("pbColorScheme", scheme);
  applyScheme();
}

export function applyScheme(): void {
  if (store.scheme === "auto") delete document.documentElement.dataset.colorScheme;
  else document.documentElement.dataset.colorScheme = store.scheme;
}

export function setTitle(page: string): void {
  document.title = page ? `${page} - ${store.appName}` : store.appName;
}
