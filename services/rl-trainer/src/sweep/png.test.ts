import assert from "node:assert/strict";
import { test } from "node:test";
import { inflateSync } from "node:zlib";
import { hasGlyph, textWidth } from "./font.js";
import { crc32, niceTicks, Raster } from "./png.js";

test("crc32 matches the PNG reference value, and the PNG decodes back to its pixels", () => {
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
  const r = new Raster(3, 2);
  r.set(1, 1, [10, 20, 30]);
  const png = r.png();
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const idat = png.indexOf("IDAT");
  const len = png.readUInt32BE(idat - 4);
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + len));
  assert.equal(raw.length, (3 * 3 + 1) * 2);
  assert.deepEqual([...raw.subarray(10 + 1 + 3, 10 + 1 + 6)], [10, 20, 30]);
});

test("text draws a glyph's ink pixels at 2x scale and nothing else", () => {
  // "1" in the 5x7 font, written out here independently of font.ts.
  const one = ["00100", "01100", "00100", "00100", "00100", "00100", "01110"];
  const r = new Raster(20, 20);
  r.text(3, 4, "1", [0, 0, 0], 2);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 20; x++) {
      const gx = Math.floor((x - 3) / 2), gy = Math.floor((y - 4) / 2);
      const ink = gx >= 0 && gx < 5 && gy >= 0 && gy < 7 && one[gy]![gx] === "1";
      assert.equal(r.px[(y * 20 + x) * 3], ink ? 0 : 255, `pixel (${x}, ${y})`);
    }
  }
});

test("text advances 6 font pixels per character, and an unknown character is drawn as a hollow box", () => {
  assert.equal(hasGlyph("1"), true);
  assert.equal(hasGlyph("%"), false);
  assert.equal(textWidth("1%", 2), 22);
  const r = new Raster(30, 20);
  r.text(0, 0, "1%", [0, 0, 0], 1);
  const inked = (x: number, y: number) => r.px[(y * 30 + x) * 3] === 0;
  // The box occupies columns 6..10, rows 0..6: full top and bottom edges, sides only in between.
  for (let x = 6; x <= 10; x++) assert.ok(inked(x, 0) && inked(x, 6), `box edge at column ${x}`);
  for (let y = 1; y <= 5; y++) {
    assert.ok(inked(6, y) && inked(10, y), `box sides at row ${y}`);
    for (let x = 7; x <= 9; x++) assert.ok(!inked(x, y), `box interior (${x}, ${y}) empty`);
  }
  assert.ok(!inked(5, 3), "spacing column between characters is empty");
});

test("descending letters hang two font rows below the baseline", () => {
  const r = new Raster(10, 12);
  r.text(0, 0, "p", [0, 0, 0], 1);
  const rows = [...Array(12).keys()].filter((y) => [...Array(10).keys()].some((x) => r.px[(y * 10 + x) * 3] === 0));
  assert.deepEqual([rows[0], rows.at(-1)], [2, 8]);
});

test("niceTicks gives round 1-2-5 steps inside the range", () => {
  assert.deepEqual(niceTicks(0, 4.95), { values: [0, 1, 2, 3, 4], decimals: 0 });
  assert.deepEqual(niceTicks(-0.25, 0.95), { values: [-0.2, 0, 0.2, 0.4, 0.6, 0.8], decimals: 1 });
  assert.deepEqual(niceTicks(0, 0.05).values, [0, 0.01, 0.02, 0.03, 0.04, 0.05]);
});
