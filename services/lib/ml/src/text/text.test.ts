import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashedFeatures, padIds } from "./features.js";
import { bucketOf, hash32 } from "./hash.js";
import { detokenize, normalizeText, tokenize } from "./tokenize.js";
import { BOS, EOS, UNK, WordVocab } from "./vocab.js";

describe("text features", () => {
  it("normalizes and tokenizes words, numbers and punctuation", () => {
    assert.equal(normalizeText("  Ｒefund\u00a0 NOW\n"), "refund now");
    assert.deepEqual(tokenize("I'm sorry — it’s order #4417 (section 4.2), 3-5 days!"), [
      "i'm", "sorry", "—", "it's", "order", "#", "4417", "(", "section", "4.2", ")", ",", "3", "-", "5", "days", "!",
    ]);
    assert.deepEqual(tokenize("Re-open ticket", { lowercase: false }), ["Re-open", "ticket"]);
  });

  it("detokenize undoes tokenize on ordinary sentences", () => {
    for (const s of ["Sorry about that. Your refund is on its way within 5 days.", "Open settings (security), then press reset!"]) {
      assert.equal(detokenize(tokenize(s, { lowercase: false })), s);
    }
  });

  it("hashing is stable (fixed values), spreads evenly and keeps 0 for padding", () => {
    // FNV-1a + murmur3 fmix32, values computed independently (Python): pinned so a change to the
    // hash, which would silently re-bucket every trained model's features, fails here.
    assert.equal(hash32(""), 2872998923);
    assert.equal(hash32("refund"), 2336195408);
    assert.equal(hash32("a\u0001refund"), 1912105694);
    assert.equal(hash32("refund", 7), 3724631946);
    const buckets = 64;
    const counts = new Array<number>(buckets).fill(0);
    for (let i = 0; i < 64000; i++) counts[bucketOf(`w${i}`, buckets)]! += 1;
    assert.equal(counts[0], 0);
    const expected = 64000 / 63;
    for (let b = 1; b < buckets; b++) assert.ok(Math.abs(counts[b]! - expected) < expected * 0.15, `bucket ${b}: ${counts[b]}`);
  });

  it("hash32 reads the UTF-8 bytes TextEncoder writes, for any string (astral, lone surrogates)", () => {
    // Reference: FNV-1a over TextEncoder's bytes, then the same fmix32 (the old implementation).
    const enc = new TextEncoder();
    const ref = (s: string, seed: number): number => {
      let h = (0x811c9dc5 ^ seed) >>> 0;
      for (const b of enc.encode(s)) h = Math.imul(h ^ b, 0x01000193);
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return h >>> 0;
    };
    const fixed = ["", "a\u0001refund", "héllo wörld", "日本語", "emoji 😀 x", "lone \ud800 high", "lone \udc00 low", "\ud800", "x\ud83d", "\udbff\udfff", "\u07ff\u0800\uffff"];
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const random = Array.from({ length: 20000 }, () => String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 0x10000))));
    for (const s of [...fixed, ...random]) for (const sd of [0, 7]) assert.equal(hash32(s, sd), ref(s, sd), JSON.stringify(s));
  });

  it("hashed features: words and bigrams in reading order, namespaced, truncated", () => {
    const cfg = { buckets: 1 << 20, bigrams: true, maxFeatures: 100 };
    const f = hashedFeatures("Refund my order", cfg, "a");
    assert.equal(f.length, 5);
    assert.equal(f[0], bucketOf("a\u0001refund", cfg.buckets));
    assert.equal(f[2], bucketOf("ab\u0001refund\u0002my", cfg.buckets));
    assert.notDeepEqual(hashedFeatures("Refund my order", cfg, "p"), f);
    assert.equal(hashedFeatures("a b c d e f", { ...cfg, maxFeatures: 4 }).length, 4);
    const p = padIds([[3, 4], [], [5]]);
    assert.deepEqual(p.dims, [3, 2]);
    assert.deepEqual(Array.from(p.mask), [1, 1, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(p.ids, Number), [3, 4, 0, 0, 5, 0]);
  });

  it("vocabulary: specials first, then by count with alphabetical ties, round-trips", () => {
    const v = WordVocab.build(["b a a", "c b a", "d"], { maxSize: 6 });
    assert.deepEqual(v.words, ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b"]);
    assert.deepEqual(v.encode("a d b", { eos: true }), [4, UNK, 5, EOS]);
    assert.deepEqual(v.decodeTokens([BOS, 4, 5, EOS, 4]), ["a", "b"]);
    assert.deepEqual(WordVocab.fromJSON(JSON.parse(JSON.stringify(v)) as { words: string[] }).words, v.words);
    assert.throws(() => new WordVocab(["a"]), /must start with/);
  });
});
