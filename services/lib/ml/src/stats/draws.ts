// Uniform index draws for the bootstrap's inner loop. The generator is sfc32, the one `Prng` runs,
// seeded from a `Prng`; its state is kept in local variables while a block is drawn, because calling
// `Prng.nextUint32` (state in object fields, as unsigned doubles) costs ~20 ns a draw here against
// ~3 ns, and a canary report draws ~2e8 indices.

import { Prng } from "../util/prng.js";

const INV_2_32 = 1 / 4294967296;

export class IndexDraws {
  private readonly state = new Int32Array(4);

  constructor(seed: number) {
    const seeder = new Prng(seed);
    for (let i = 0; i < 4; i++) this.state[i] = seeder.nextUint32() | 0;
  }

  /** Fills out[0..count) with independent uniform integers in [0, n), n <= 2^31. Each comes from one
   *  32-bit draw by multiply-shift (floor(u * n / 2^32)); its bias, at most n / 2^32, is negligible. */
  fill(out: Int32Array, count: number, n: number): void {
    const s = this.state;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    for (let i = 0; i < count; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      out[i] = ((t >>> 0) * n * INV_2_32) | 0;
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }
}
