// A minimal PNG writer and raster plot (RGB, zlib from node), enough for the sweep's figure.
import { deflateSync } from "node:zlib";

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

/** Panels side by side, each with its own y range; x from 0 to xMax; zero line grey. */
export function plotPanels(panels: readonly (readonly Series[])[], opts: { width?: number; height?: number } = {}): Buffer {
  const W = opts.width ?? 900, H = opts.height ?? 420, pad = 40;
  const r = new Raster(W, H);
  const pw = (W - pad * (panels.length + 1)) / panels.length;
  panels.forEach((series, i) => {
    const x0 = pad + i * (pw + pad), y0 = pad, ph = H - 2 * pad;
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const xMax = Math.max(1e-9, ...xs) * 1.1;
    const ys: number[] = series.flatMap((s) => s.points.map((p) => p.y));
    for (const s of series) if (s.curve) for (let k = 1; k <= 50; k++) ys.push(s.curve((xMax * k) / 50));
    const yMin = Math.min(0, ...ys), yMax = Math.max(0, ...ys);
    const sx = (x: number) => x0 + (x / xMax) * pw;
    const sy = (y: number) => y0 + ph - ((y - yMin) / (yMax - yMin || 1)) * ph;
    r.line(x0, y0, x0, y0 + ph, [0, 0, 0]);
    r.line(x0, y0 + ph, x0 + pw, y0 + ph, [0, 0, 0]);
    r.line(x0, sy(0), x0 + pw, sy(0), [180, 180, 180]);
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
  return r.png();
}
