/**
 * Handlers that end with `e.next()`. Most hook handlers do their work and then hand the event on
 * as their last statement (`onRecordCreate((e) => { e.record.set("x", 1); e.next() })`). Nothing
 * in the handler runs after such a call, so the worker need not wait for the rest of the chain:
 * the run ends there, and the main thread applies the event's state and continues the chain
 * itself. That saves two of the four thread hand-offs of the event (the `e.next()` call and its
 * answer) and keeps the worker free while the chain runs (its hooks may run on it meanwhile).
 *
 * Recognised from the handler's source text, conservatively: a function whose first parameter is
 * a plain name `e` and whose body's last statement is `e.next()` (or `return e.next()`), standing
 * alone in the body's own block (after `;`, `{`, `}` or at the start), with no declaration that
 * could rebind `e`. That call is rewritten to hand the event to the runtime's `defer` function;
 * any other `e.next()` in the handler is a synchronous call as always. Anything else (a comment
 * after the call, `if (x) e.next()`, a loop, a try block) keeps the usual path.
 */

/** The name the rewritten tail call uses for the runtime's defer function. */
export const DEFER_NAME = "__satchelTailNext";

const HEAD =
  /^\s*(?:function\b[^(]*\(\s*([A-Za-z_$][\w$]*)\s*(?:,[^)]*)?\)|\(\s*([A-Za-z_$][\w$]*)\s*(?:,[^)]*)?\)\s*=>|([A-Za-z_$][\w$]*)\s*=>)\s*\{/;

/**
 * The source with its tail `e.next()` replaced by `DEFER_NAME(e)`, or null when the handler does
 * not end that way. Line breaks are kept, so line numbers in stacks stay right.
 */
export function rewriteTailNext(source: string): string | null {
  const head = HEAD.exec(source);
  if (!head) return null;
  const param = head[1] ?? head[2] ?? head[3]!;
  const trimmed = source.trimEnd();
  if (!trimmed.endsWith("}")) return null;
  const body = trimmed.slice(head[0].length, -1);
  const esc = param.replace(/\$/g, "\\$");
  const tail = new RegExp(`(\\breturn\\s+)?(?<![\\w$.])${esc}\\s*\\.\\s*next\\s*\\(\\s*\\)\\s*;?\\s*$`).exec(
    body,
  );
  if (!tail) return null;
  if (!startsStatement(body.slice(0, tail.index))) return null;
  // a declaration of the same name in the body could make `e` another object
  if (
    new RegExp(`\\b(?:var|let|const|function|class)\\s+${esc}\\b|\\bcatch\\s*\\(\\s*${esc}\\s*\\)`).test(body)
  )
    return null;
  const skip = (tail[1] ?? "").length;
  const callStart = head[0].length + tail.index + skip;
  const callText = body.slice(tail.index + skip);
  const kept = callText.replace(/[^\n]/g, "");
  return `${trimmed.slice(0, callStart)}${DEFER_NAME}(${param});${kept}}`;
}

/** Words after which a line break does not end the statement (the next line continues it). */
const CONTINUING = new Set([
  "typeof",
  "new",
  "void",
  "delete",
  "in",
  "instanceof",
  "await",
  "yield",
  "throw",
  "case",
  "of",
  "extends",
]);

/** Loop and other headers whose statement would run again or differently after the call. */
const HEADERS = new Set(["while", "for", "with", "switch", "catch"]);

/**
 * Whether code that follows `before` (the body up to the call) starts a statement of the body's
 * own block, so that nothing of the handler runs after it: after `;`, `{` or `}`, at the start,
 * after `if (…)` or `else`, or after a line break that ends the previous statement (an
 * expression's end).
 */
function startsStatement(before: string): boolean {
  const prev = before.trimEnd();
  if (prev === "") return true;
  // the character before must be code, not the end of a comment
  const line = prev.slice(prev.lastIndexOf("\n") + 1);
  if (/\/\/|\/\*|\*\//.test(line)) return false;
  const c = prev.at(-1)!;
  if (c === ";" || c === "{" || c === "}") return true;
  const newLine = before.slice(prev.length).includes("\n");
  if (c === ")") {
    // the word before the matching "(": a loop header makes the call its body
    let depth = 0;
    for (let i = prev.length - 1; i >= 0; i--) {
      const ch = prev[i]!;
      if (ch === "'" || ch === '"' || ch === "`") {
        // skip the string back to its opening quote
        do i = prev.lastIndexOf(ch, i - 1);
        while (i > 0 && prev[i - 1] === "\\");
        if (i < 0) return false;
      } else if (ch === ")") depth++;
      else if (ch === "(" && --depth === 0) {
        const word = /([A-Za-z_$][\w$]*)\s*$/.exec(prev.slice(0, i));
        return !word || !HEADERS.has(word[1]!);
      }
    }
    return false;
  }
  if (/[\w$]/.test(c)) {
    const word = /[\w$]+$/.exec(prev)![0];
    return word === "else" || (newLine && !CONTINUING.has(word));
  }
  return newLine && (c === "]" || c === '"' || c === "'" || c === "`");
}
