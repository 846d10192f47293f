// A 5x7 bitmap font for plot labels: digits, lowercase, the few capitals the sweep uses, and basic punctuation.
// Each glyph is 7 rows of 5 bits ("1" = ink); g, p, q, y are drawn DESCENT rows lower so their tails hang below
// the baseline. Characters without a glyph are drawn as a hollow box, so a
// missing glyph shows up visibly in the figure instead of failing a long sweep at the very end.

const G: Record<string, string> = {
  "0": "01110 10001 10011 10101 11001 10001 01110",
  "1": "00100 01100 00100 00100 00100 00100 01110",
  "2": "01110 10001 00001 00010 00100 01000 11111",
  "3": "11111 00010 00100 00010 00001 10001 01110",
  "4": "00010 00110 01010 10010 11111 00010 00010",
  "5": "11111 10000 11110 00001 00001 10001 01110",
  "6": "00110 01000 10000 11110 10001 10001 01110",
  "7": "11111 00001 00010 00100 01000 01000 01000",
  "8": "01110 10001 10001 01110 10001 10001 01110",
  "9": "01110 10001 10001 01111 00001 00010 01100",
  a: "00000 00000 01110 00001 01111 10001 01111",
  b: "10000 10000 10110 11001 10001 10001 11110",
  c: "00000 00000 01110 10000 10000 10001 01110",
  d: "00001 00001 01101 10011 10001 10001 01111",
  e: "00000 00000 01110 10001 11111 10000 01110",
  f: "00110 01001 01000 11100 01000 01000 01000",
  g: "01111 10001 10001 10011 01101 00001 01110",
  h: "10000 10000 10110 11001 10001 10001 10001",
  i: "00100 00000 01100 00100 00100 00100 01110",
  j: "00010 00000 00110 00010 00010 10010 01100",
  k: "10000 10000 10010 10100 11000 10100 10010",
  l: "01100 00100 00100 00100 00100 00100 01110",
  m: "00000 00000 11010 10101 10101 10001 10001",
  n: "00000 00000 10110 11001 10001 10001 10001",
  o: "00000 00000 01110 10001 10001 10001 01110",
  p: "11110 10001 10001 10001 11110 10000 10000",
  q: "01111 10001 10001 10001 01111 00001 00001",
  r: "00000 00000 10110 11001 10000 10000 10000",
  s: "00000 00000 01110 10000 01110 00001 11110",
  t: "01000 01000 11100 01000 01000 01001 00110",
  u: "00000 00000 10001 10001 10001 10011 01101",
  v: "00000 00000 10001 10001 10001 01010 00100",
  w: "00000 00000 10001 10001 10101 10101 01010",
  x: "00000 00000 10001 01010 00100 01010 10001",
  y: "10001 10001 10001 10011 01101 00001 01110",
  z: "00000 00000 11111 00010 00100 01000 11111",
  J: "00111 00010 00010 00010 00010 10010 01100",
  K: "10001 10010 10100 11000 10100 10010 10001",
  L: "10000 10000 10000 10000 10000 10000 11111",
  R: "11110 10001 10001 11110 10100 10010 10001",
  " ": "00000 00000 00000 00000 00000 00000 00000",
  ".": "00000 00000 00000 00000 00000 01100 01100",
  ",": "00000 00000 00000 00000 01100 00100 01000",
  "-": "00000 00000 00000 11111 00000 00000 00000",
  "+": "00000 00100 00100 11111 00100 00100 00000",
  "=": "00000 00000 11111 00000 11111 00000 00000",
  "(": "00010 00100 01000 01000 01000 00100 00010",
  ")": "01000 00100 00010 00010 00010 00100 01000",
  "/": "00001 00001 00010 00100 01000 10000 10000",
};

/** Hollow 5x7 box drawn for any character without a glyph. */
export const MISSING_GLYPH = "11111 10001 10001 10001 10001 10001 11111";
export const GLYPH_W = 5, GLYPH_H = 7;
/** Horizontal advance per character, in font pixels (glyph plus one column of spacing). */
export const ADVANCE = GLYPH_W + 1;

/** Font rows the descending glyphs are shifted down by (so a line of text is GLYPH_H + DESCENT rows tall). */
export const DESCENT = 2;
const DESCENDERS = new Set(["g", "p", "q", "y"]);

/** Rows to shift ch down by when drawing it. */
export function glyphOffset(ch: string): number {
  return DESCENDERS.has(ch) ? DESCENT : 0;
}

export function hasGlyph(ch: string): boolean {
  return Object.hasOwn(G, ch);
}

/** Rows of the glyph for ch (true = ink); unknown characters give the hollow box. */
export function glyph(ch: string): boolean[][] {
  return (G[ch] ?? MISSING_GLYPH).split(" ").map((row) => [...row].map((b) => b === "1"));
}

/** Width in device pixels of text drawn at the given scale (no trailing spacing column). */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}
