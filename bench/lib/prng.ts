/**
 * Deterministic data for the benchmarks: a small seeded PRNG (sfc32 seeded by splitmix32),
 * PocketBase-shaped ids and dates, and lorem ipsum descriptions of about 480 characters.
 */

/** A seeded pseudo-random generator: the same seed always yields the same sequence. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the four words of sfc32's state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer (sfc32). */
  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A random element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** A string of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A PocketBase record id: 15 characters of [a-z0-9]. */
export function recordId(rng: Prng): string {
  return rng.string(15, ID_ALPHABET);
}

/** A token key as PocketBase's autogenerate pattern makes them (50 alphanumerics). */
export function tokenKey(rng: Prng): string {
  return rng.string(50, KEY_ALPHABET);
}

/** PocketBase's stored date format: `2024-01-02 03:04:05.678Z`. */
export function pbDate(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ");
}

const LOREM = (
  "lorem ipsum dolor sit amet consectetur adipiscing elit donec sodales nisl quis pretium nunc " +
  "suspendisse vel auctor velit sed luctus lectus phasellus rhoncus imperdiet feugiat duis et laoreet " +
  "felis ut facilisis enim quisque aliquet aliquam magna eget eleifend tellus nibh ac lacus scelerisque " +
  "congue euismod purus fusce sollicitudin pharetra egestas pulvinar augue nec placerat dapibus ornare"
).split(" ");

/**
 * A lorem ipsum description of about 480 characters. Like the fixed text of PocketBase's
 * benchmark it starts with "Lorem ipsum dolor sit amet", so `description ~ 'ipsum dolor'`
 * matches every row; the rest is seeded random words.
 */
export function loremDescription(rng: Prng, targetLength = 480): string {
  let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.";
  let words = 0;
  while (text.length < targetLength - 12) {
    let word = rng.pick(LOREM);
    if (words === 0) word = word[0]!.toUpperCase() + word.slice(1);
    text += " " + word;
    words++;
    if (words >= 5 && rng.int(6) === 0) {
      text += rng.int(3) === 0 ? "," : ".";
      if (text.endsWith(".")) words = 0;
    }
  }
  text = text.replace(/,$/, "");
  return text.endsWith(".") ? text : text + ".";
}
