/**
 * `npm run build:exe`: the single executable, dist/satchel, built by Bun's `--compile` (the
 * comparison with Node's single-executable applications is in DEPENDENCIES.md). Runs on Bun
 * (the `bun` devDependency), whose build API lets us swap modules:
 *
 *   bun scripts/build-exe.ts                          this machine's platform → dist/satchel
 *   bun scripts/build-exe.ts --target=linux-arm64 …   → dist/satchel-linux-arm64
 *   bun scripts/build-exe.ts --all                    every target below
 *
 * A cross-build fetches that target's Bun runtime (`@oven/bun-<os>-<arch>`) and
 * that target's sharp packages with `npm pack`. What goes in: src/main.ts; every worker entry
 * of src/tools/workers.ts; the dashboard's build (ui/dist/) when it exists, embedded and
 * registered with src/tools/assets.ts; sharp's addon and libvips, embedded and loaded by
 * scripts/exe/native-sharp.ts (which replaces sharp's own loader).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_ENTRIES } from "../src/tools/workers.ts";

interface BunBuildResult {
  success: boolean;
  logs: unknown[];
}
interface BunPluginBuilder {
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => { contents: string; loader: "js" | "ts" },
  ): void;
}
interface BunApi {
  version: string;
  build(options: {
    entrypoints: string[];
    root: string;
    compile: {
      target: string;
      outfile: string;
      autoloadDotenv?: boolean;
      autoloadBunfig?: boolean;
      executablePath?: string;
    };
    naming?: { asset?: string };
    external?: string[];
    plugins?: { name: string; setup(build: BunPluginBuilder): void }[];
  }): Promise<BunBuildResult>;
}
const Bun = (globalThis as { Bun?: BunApi }).Bun;
if (!Bun) {
  console.error("scripts/build-exe.ts runs on Bun: npm run build:exe (or npx bun scripts/build-exe.ts)");
  process.exit(1);
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const BUILD = join(DIST, ".build");
const UI = join(ROOT, "ui", "dist");

/** Targets Bun cross-compiles to (its names minus `bun-`) → sharp's platform name. */
const TARGETS: { [target: string]: string | null } = {
  "linux-x64": "linux-x64",
  "linux-arm64": "linux-arm64",
  "darwin-x64": "darwin-x64",
  "darwin-arm64": "darwin-arm64",
  // sharp's Windows build is a folder of DLLs found next to the addon: not carried (yet).
  "windows-x64": null,
};

const slash = (p: string) => p.split("\\").join("/");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map(slash)
    .sort();
}

function versionOf(pkg: string): string {
  const sharp = JSON.parse(readFileSync(join(ROOT, "node_modules/sharp/package.json"), "utf8")) as {
    optionalDependencies: { [name: string]: string };
  };
  const v = sharp.optionalDependencies[pkg];
  if (!v) throw new Error(`sharp has no optional dependency ${pkg}`);
  return v;
}

/**
 * A package's folder: node_modules when that version is installed, else fetched with `npm pack`
 * (npm's client, so its registry, proxy and auth settings apply).
 */
function packageDir(pkg: string, version = versionOf(pkg)): string {
  const installed = join(ROOT, "node_modules", pkg);
  if (existsSync(installed)) {
    const v = (JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { version: string })
      .version;
    if (v === version) return installed;
  }
  const into = join(BUILD, "npm", pkg);
  mkdirSync(into, { recursive: true });
  const packed = spawnSync("npm", ["pack", `${pkg}@${version}`, "--silent", "--pack-destination", into], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (packed.status !== 0) throw new Error(`npm pack ${pkg}@${version} failed: ${packed.stderr}`);
  const tgz = join(into, packed.stdout.trim().split("\n").pop()!);
  const untar = spawnSync("tar", ["-xzf", tgz, "-C", into, "--strip-components=1"], { encoding: "utf8" });
  if (untar.status !== 0) throw new Error(`tar failed on ${tgz}: ${untar.stderr}`);
  return into;
}

/** The module that replaces sharp/dist/sharp.mjs: embeds the addon and libvips of `platform`. */
function sharpShim(platform: string | null): string {
  const loader = slash(join(ROOT, "scripts/exe/native-sharp.ts"));
  if (!platform) {
    return `import { loadEmbeddedSharp } from "${loader}";\nexport default loadEmbeddedSharp({}, "");\n`;
  }
  const files: string[] = [];
  for (const pkg of [`@img/sharp-${platform}`, `@img/sharp-libvips-${platform}`]) {
    const dir = packageDir(pkg);
    for (const f of filesUnder(join(dir, "lib"))) {
      if (/\.(node|so[.\d]*|dylib)$/.test(f)) files.push(`${pkg}/lib/${f}\0${slash(join(dir, "lib", f))}`);
    }
  }
  const addon = files.map((f) => f.split("\0")[0]!).find((f) => f.endsWith(".node"));
  if (!addon) throw new Error(`no sharp addon for ${platform}`);
  const lines = [`import { loadEmbeddedSharp } from "${loader}";`];
  files.forEach((f, i) => lines.push(`import f${i} from "${f.split("\0")[1]}" with { type: "file" };`));
  lines.push(`export default loadEmbeddedSharp({`);
  files.forEach((f, i) => lines.push(`  ${JSON.stringify(f.split("\0")[0])}: f${i},`));
  lines.push(`}, ${JSON.stringify(addon)});`, "");
  return lines.join("\n");
}

/** The generated entry: embeds and registers the dashboard, then runs the CLI. */
function writeEntry(): { entry: string; assets: number } {
  mkdirSync(BUILD, { recursive: true });
  const entry = join(BUILD, "main.ts");
  const lines = [
    "// Generated by scripts/build-exe.ts.",
    `import { registerEmbeddedAssets } from "${slash(join(ROOT, "src/tools/assets.ts"))}";`,
  ];
  const files = existsSync(UI) ? filesUnder(UI) : [];
  files.forEach((file, i) =>
    lines.push(`import a${i} from "${slash(join(UI, file))}" with { type: "file" };`),
  );
  if (files.length > 0) {
    lines.push(`registerEmbeddedAssets("dashboard", {`);
    files.forEach((file, i) => lines.push(`  ${JSON.stringify(file)}: a${i},`));
    lines.push(`});`);
  }
  lines.push(`await import("${slash(join(ROOT, "src/main.ts"))}");`, "");
  writeFileSync(entry, lines.join("\n"));
  return { entry, assets: files.length };
}

/**
 * The Bun runtime a cross-build embeds: this Bun's version of `@oven/bun-<os>-<arch>` from npm.
 * Left to itself, Bun downloads it from registry.npmjs.org whatever npm is configured to use
 * (checked: it ignores NPM_CONFIG_REGISTRY and BUN_CONFIG_REGISTRY), so a machine that reaches
 * only a registry mirror could not cross-build. Undefined for this machine's own target.
 */
function runtimeFor(target: string): string | undefined {
  if (target === hostTarget()) return undefined;
  const [os, arch] = target.split("-") as [string, string];
  const pkg = `@oven/bun-${os}-${arch === "arm64" ? "aarch64" : arch}`;
  return join(packageDir(pkg, Bun!.version), "bin", os === "windows" ? "bun.exe" : "bun");
}

async function build(target: string, entry: string, outfile: string): Promise<void> {
  const started = Date.now();
  const shim = sharpShim(TARGETS[target] ?? null);
  const executablePath = runtimeFor(target);
  const result = await Bun!.build({
    entrypoints: [entry, ...WORKER_ENTRIES.map((e) => join(ROOT, "src", e))],
    root: ROOT,
    // The C heap trim (src/tools/c-heap-trim.ts) is never used by the executable (Bun has its
    // own allocator); its FFI library stays out of the build.
    external: ["koffi"],
    // A compiled Bun program reads .env and bunfig.toml from its working folder by default:
    // Satchel's environment is the one it is started with, as PocketBase's.
    compile: {
      target: `bun-${target}`,
      outfile,
      autoloadDotenv: false,
      autoloadBunfig: false,
      ...(executablePath ? { executablePath } : {}),
    },
    plugins: [
      {
        name: "satchel-native-sharp",
        setup(b) {
          b.onLoad({ filter: /[\\/]sharp[\\/]dist[\\/]sharp\.mjs$/ }, () => ({
            contents: shim,
            loader: "ts",
          }));
        },
      },
    ],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`the build for ${target} failed`);
  }
  const file = existsSync(outfile) ? outfile : `${outfile}.exe`;
  const mb = (statSync(file).size / 1e6).toFixed(1);
  const s = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`built ${relative(ROOT, file)} (${target}, ${mb} MB) in ${s} s`);
}

function hostTarget(): string {
  return `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
}

const argv = process.argv.slice(2);
const targets = argv.includes("--all")
  ? Object.keys(TARGETS)
  : argv.filter((a) => a.startsWith("--target=")).map((a) => a.slice("--target=".length));
for (const t of targets) {
  if (!(t in TARGETS)) throw new Error(`unknown target ${t} (one of ${Object.keys(TARGETS).join(", ")})`);
}

const { entry, assets } = writeEntry();
console.log(
  assets > 0 ? `embedding the dashboard: ${assets} files from ui/dist` : "ui/dist not built: no dashboard",
);
try {
  if (targets.length === 0) await build(hostTarget(), entry, join(DIST, "satchel"));
  for (const target of targets) await build(target, entry, join(DIST, `satchel-${target}`));
} finally {
  rmSync(BUILD, { recursive: true, force: true });
}
