// A minimal PNG writer and raster plot (RGB, zlib from node), enough for the sweep's figure.
import { deflateSync } from "node:zlib";
import { ADVANCE, glyph, GLYPH_H, glyphOffset, textWidth } from "./font.js";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

export class Raster {
  readonly px: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.px = new Uint8Array(width * height * 3).fill(255);
  }
  set(x: number, y: number, rgb: readonly [number, number, number]): void {
    const xi = Math.round(x), yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 3;
    this.px[o] = rgb[0]; this.px[o + 1] = rgb[1]; this.px[o + 2] = rgb[2];
  }
  line(x0: number, y0: number, x1: number, y1: number, rgb: readonly [number, number, number], width = 1): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n, y = y0 + ((y1 - y0) * i) / n;
      for (let dx = -Math.floor(width / 2); dx <= Math.floor(width / 2); dx++) for (let dy = -Math.floor(width / 2); dy <= Math.floor(width / 2); dy++) this.set(x + dx, y + dy, rgb);
    }
  }
  dot(x: number, y: number, r: number, rgb: readonly [number, number, number]): void {
    for (let dx = -r; dx <= r; dx++) for (let dy = -r; dy <= r; dy++) if (dx * dx + dy * dy <= r * r) this.set(x + dx, y + dy, rgb);
  }
  /** Draws text with its top-left corner at (x, y), each font pixel a scale x scale square; see font.ts. */
  text(x: number, y: number, text: string, rgb: readonly [number, number, number], scale = 2): void {
    let cx = Math.round(x);
    const cy = Math.round(y);
    for (const ch of text) {
      const oy = cy + glyphOffset(ch) * scale;
      glyph(ch).forEach((row, gy) => row.forEach((ink, gx) => {
        if (ink) for (let dx = 0; dx < scale; dx++) for (let dy = 0; dy < scale; dy++) this.set(cx + gx * scale + dx, oy + gy * scale + dy, rgb);
      }));
      cx += ADVANCE * scale;
    }
  }
  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0;
      Buffer.from(this.px.buffer, y * this.width * 3, this.width * 3).copy(raw, y * (this.width * 3 + 1) + 1);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
    return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]);
  }
}

export interface Series {
  readonly points: readonly { x: number; y: number }[];
  readonly curve?: (x: number) => number;
  readonly color: readonly [number, number, number];
}

/** Round tick values inside [lo, hi], about `target` of them, at steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, target = 5): { values: number[]; decimals: number } {
  if (!(hi > lo)) return { values: [lo], decimals: 0 };
  const raw = (hi - lo) / target, mag = 10 ** Math.floor(Math.log10(raw));
  // The 1-2-5 step nearest (in ratio) to the raw step, so the count stays near target.
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((a, b) => (Math.abs(Math.log(b / raw)) < Math.abs(Math.log(a / raw)) ? b : a));
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) values.push(Number((k * step).toPrecision(12)));
  return { values, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

export interface LegendEntry {
  readonly label: string;
  readonly color: readonly [number, number, number];
  /** "dot" for a point series, "line" for a fitted curve. */
  readonly mark: "dot" | "line";
}

export interface PlotOptions {
  readonly width?: number;
  readonly height?: number;
  /** One title per panel, drawn above it. */
  readonly titles?: readonly string[];
  /** x-axis label, under every panel. */
  readonly xLabel?: string;
  /** One y-axis label per panel, drawn above its y axis. */
  readonly yLabels?: readonly string[];
  /** Legend drawn in one row along the bottom of the figure. */
  readonly legend?: readonly LegendEntry[];
}

const BLACK = [0, 0, 0] as const, GREY = [180, 180, 180] as const, TEXT = [40, 40, 40] as const;
const S = 2, CH = GLYPH_H * S; // text scale and character height in pixels

/** Panels side by side, each with its own y range; x from 0 to xMax; zero line grey; ticks, labels and legend in a 5x7 font at 2x. */
export function plotPanels(panels: readonly (readonly Series[])[], opts: PlotOptions = {}): Buffer {
  const W = opts.width ?? 1000, H = opts.height ?? 520;
  const left = 70, right = 20, top = 64, bottom = opts.legend ? 134 : 64;
  const r = new Raster(W, H);
  const pw = (W - (left + right) * panels.length) / panels.length, ph = H - top - bottom;
  panels.forEach((series, i) => {
    const x0 = left + i * (pw + left + right), y0 = top;
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const xMax = Math.max(1e-9, ...xs) * 1.1;
    const ys: number[] = series.flatMap((s) => s.points.map((p) => p.y));
    for (const s of series) if (s.curve) for (let k = 1; k <= 50; k++) ys.push(s.curve((xMax * k) / 50));
    const yMin = Math.min(0, ...ys), yMax = Math.max(0, ...ys);
    const sx = (x: number) => x0 + (x / xMax) * pw;
    const sy = (y: number) => y0 + ph - ((y - yMin) / (yMax - yMin || 1)) * ph;
    r.line(x0, y0, x0, y0 + ph, BLACK);
    r.line(x0, y0 + ph, x0 + pw, y0 + ph, BLACK);
    r.line(x0, sy(0), x0 + pw, sy(0), GREY);
    const xt = niceTicks(0, xMax), yt = niceTicks(yMin, yMax);
    for (const v of xt.values) {
      const label = v.toFixed(xt.decimals);
      r.line(sx(v), y0 + ph, sx(v), y0 + ph + 5, BLACK);
      r.text(sx(v) - textWidth(label, S) / 2, y0 + ph + 9, label, TEXT, S);
    }
    for (const v of yt.values) {
      const label = v.toFixed(yt.decimals);
      r.line(x0 - 5, sy(v), x0, sy(v), BLACK);
      r.text(x0 - 9 - textWidth(label, S), sy(v) - CH / 2, label, TEXT, S);
    }
    const title = opts.titles?.[i];
    if (title) r.text(x0 + pw / 2 - textWidth(title, S) / 2, 12, title, BLACK, S);
    const yLabel = opts.yLabels?.[i];
    if (yLabel) r.text(x0 - 40, y0 - CH - 10, yLabel, TEXT, S);
    if (opts.xLabel) r.text(x0 + pw / 2 - textWidth(opts.xLabel, S) / 2, y0 + ph + 9 + CH + 10, opts.xLabel, TEXT, S);
    for (const s of series) {
      if (s.curve) {
        let px = sx(0), py = sy(0);
        for (let k = 1; k <= 200; k++) {
          const x = (xMax * k) / 200, y = s.curve(x);
          const nx = sx(x), ny = sy(y);
          if (Number.isFinite(ny)) r.line(px, py, nx, ny, s.color, 2);
          px = nx; py = ny;
        }
      }
      for (const p of s.points) r.dot(sx(p.x), sy(p.y), 4, s.color);
    }
  });
  if (opts.legend) {
    // One row under the x labels, wrapping to a second row when an entry would run past the right edge.
    let x = left, y = top + ph + 9 + 2 * CH + 26;
    for (const e of opts.legend) {
      const w = 28 + textWidth(e.label, S);
      if (x > left && x + w > W - right) { x = left; y += CH + 12; }
      if (e.mark === "dot") r.dot(x + 10, y + CH / 2, 4, e.color);
      else r.line(x, y + CH / 2, x + 20, y + CH / 2, e.color, 2);
      r.text(x + 28, y, e.label, TEXT, S);
      x += w + 36;
    }
  }
  return r.png();
}
