/**
 * Doc comments for the generated `types.d.ts`, read from Satchel's own TypeScript sources
 * (which ship with the package: Node runs them by type stripping). Each `/** … *\/` block is
 * keyed by what follows it: `Owner.member` inside a class or an exported object/function body,
 * or the bare name of a top-level export. Missing sources just mean no docs.
 */
import { readFileSync } from "node:fs";

const OWNER_RE =
  /^(?:export\s+)?(?:abstract\s+)?(?:class\s+(\w+)|const\s+(\w+)\s*(?::[^=]*)?=|function\s+(\w+))/;
const MEMBER_RE =
  /^\s+(?:(?:static|readonly|override|async|get|set|declare|public|abstract)\s+)*#?\$?(\w+)\s*[(:=?<!]/;

/** Collects doc comments from source files: `{ "Class.member": "text", "topLevel": "text" }`. */
export function collectDocs(files: readonly string[]): Map<string, string> {
  const docs = new Map<string, string>();
  for (const file of files) {
    let src: string;
    try {
      src = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const lines = src.split("\n");
    let owner = "";
    let pending: string | null = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? "";
      const trimmed = line.trim();
      if (trimmed.startsWith("/**")) {
        const block: string[] = [];
        let j = i;
        for (; j < lines.length; j++) {
          block.push(lines[j] ?? "");
          if ((lines[j] ?? "").includes("*/")) break;
        }
        i = j;
        pending = cleanDoc(block.join("\n"));
        continue;
      }
      if (trimmed === "" || trimmed.startsWith("//")) continue;
      const top = line.startsWith(" ") ? null : OWNER_RE.exec(line);
      if (top) {
        const name = top[1] ?? top[2] ?? top[3] ?? "";
        owner = name;
        if (pending) docs.set(name, pending);
      } else if (pending && owner) {
        const m = MEMBER_RE.exec(line);
        if (m?.[1] && !docs.has(`${owner}.${m[1]}`)) docs.set(`${owner}.${m[1]}`, pending);
      }
      pending = null;
    }
  }
  return docs;
}

function cleanDoc(block: string): string {
  return block
    .replace(/^\s*\/\*\*\s?/, "")
    .replace(/\s*\*\/\s*$/, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, ""))
    .join("\n")
    .trim();
}

/** A doc comment block for a declaration, indented; `""` when there is no text. */
export function docBlock(text: string | undefined, indent = ""): string {
  if (!text) return "";
  const body = text
    .replace(/\*\//g, "*\\/")
    .split("\n")
    .map((l) => `${indent} *${l === "" ? "" : ` ${l}`}`)
    .join("\n");
  return `${indent}/**\n${body}\n${indent} */\n`;
}
