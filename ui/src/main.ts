import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { applyScheme } from "./lib/app.svelte.ts";
import { loadExtensions } from "./lib/extensions.svelte.ts";

applyScheme();
// Extensions run first, as in PocketBase: they may add header links before the router starts.
void loadExtensions().then(() => {
  const target = document.getElementById("app");
  if (target) mount(App, { target });
});
