import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { populationStabilityIndex as psi } from "./psi.js";

const close = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);

describe("populationStabilityIndex", () => {
  it("equals the hand computation on three categories", () => {
    // Shares 0.5/0.3/0.2 -> 0.4/0.3/0.3 (figures from Python math.log):
    // (0.4 - 0.5) ln(0.4/0.5) + 0 + (0.3 - 0.2) ln(0.3/0.2) = 0.0223144 + 0.0405465 = 0.0628609.
    close(psi({ a: 50, b: 30, c: 20 }, { a: 40, b: 30, c: 30 }), 0.06286086594223739, 1e-15, "psi");
    // Counts are turned into shares: scaling either side changes nothing.
    close(psi({ a: 5, b: 3, c: 2 }, { a: 400, b: 300, c: 300 }), 0.06286086594223739, 1e-15, "scaled");
    assert.equal(psi({ a: 1, b: 2 }, { b: 4, a: 2 }), 0);
  });

  it("is KL(a||e) + KL(e||a), so symmetric", () => {
    const e = { x: 12, y: 7, z: 1, w: 30 };
    const a = { x: 3, y: 9, z: 14, w: 20 };
    const share = (r: Record<string, number>): Record<string, number> => {
      const t = Object.values(r).reduce((s, v) => s + v, 0);
      return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v / t]));
    };
    const se = share(e);
    const sa = share(a);
    let kl = 0;
    for (const k of Object.keys(se)) kl += sa[k]! * Math.log(sa[k]! / se[k]!) + se[k]! * Math.log(se[k]! / sa[k]!);
    close(psi(e, a), kl, 1e-14, "J-divergence");
    close(psi(a, e), psi(e, a), 1e-15, "symmetric");
  });

  it("gives a missing category the share epsilon", () => {
    // e: 0.5/0.5/(missing -> 1e-4); a: 0.25/0.25/0.5:
    // 2 (0.25 - 0.5) ln(0.5) + (0.5 - 1e-4) ln(0.5/1e-4) = 0.346574 + 4.257745 = 4.604318.
    close(psi({ a: 1, b: 1 }, { a: 1, b: 1, c: 2 }), 4.60431846666895, 1e-12, "missing in expected");
    close(psi({ a: 1, b: 1, c: 0 }, { a: 1, b: 1, c: 2 }), 4.60431846666895, 1e-12, "zero count = missing");
    const eps = 1e-3;
    const want = 2 * (0.25 - 0.5) * Math.log(0.5) + (0.5 - eps) * Math.log(0.5 / eps);
    close(psi({ a: 1, b: 1 }, { a: 1, b: 1, c: 2 }, { epsilon: eps }), want, 1e-12, "epsilon 1e-3");
    assert.ok(Number.isFinite(psi({ a: 1 }, { b: 1 })));
    // A category empty on both sides adds nothing.
    assert.equal(psi({ a: 1, b: 0 }, { a: 3, b: 0 }), 0);
    // Keys that are Object.prototype names are categories like any other.
    close(psi({ constructor: 1, a: 1 }, { a: 1, toString: 1 }), psi({ c: 1, a: 1 }, { a: 1, t: 1 }), 1e-15, "prototype keys");
  });

  it("follows the usual rule of thumb (< 0.1 stable, 0.1-0.25 moderate, > 0.25 major)", () => {
    // 50/50 -> 60/40: 0.1 ln 1.2 + 0.1 ln 1.25 = 0.0405; -> 70/30: 0.2 ln 1.4 + 0.2 ln(5/3) = 0.1695;
    // -> 80/20: 0.3 ln 1.6 + 0.3 ln 2.5 = 0.4159.
    const base = { yes: 50, no: 50 };
    close(psi(base, { yes: 60, no: 40 }), 0.04054651081081642, 1e-15, "60/40");
    close(psi(base, { yes: 70, no: 30 }), 0.16945957207744072, 1e-15, "70/30");
    close(psi(base, { yes: 80, no: 20 }), 0.41588830833596724, 1e-15, "80/20");
    assert.ok(psi(base, { yes: 60, no: 40 }) < 0.1);
    const moderate = psi(base, { yes: 70, no: 30 });
    assert.ok(moderate > 0.1 && moderate < 0.25);
    assert.ok(psi(base, { yes: 80, no: 20 }) > 0.25);
  });

  it("NaN for an empty side; bad counts refused", () => {
    assert.ok(Number.isNaN(psi({}, { a: 1 })));
    assert.ok(Number.isNaN(psi({ a: 0 }, { a: 1 })));
    assert.throws(() => psi({ a: -1 }, { a: 1 }), /expected\["a"\] must be a finite count >= 0/);
    assert.throws(() => psi({ a: 1 }, { b: NaN }), /actual\["b"\] must be a finite count >= 0/);
    assert.throws(() => psi({ a: 1 }, { a: 1 }, { epsilon: 0 }), /epsilon must be in \(0, 1\)/);
  });
});
