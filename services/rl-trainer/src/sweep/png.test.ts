import assert from "node:assert/strict";
import { test } from "node:test";
import { inflateSync } from "node:zlib";
import { crc32, Raster } from "./png.js";

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
