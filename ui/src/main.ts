import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { applyScheme } from "./lib/app.svelte.ts";

applyScheme();
const target = document.getElementById("app");
if (target) mount(App, { target });
