// The embedding bag both models use: the masked mean of embedding rows.
import type { GraphBuilder } from "../graph/builder.js";
import type { Sym } from "../graph/core.js";

/** mean over j of table[ids[i, j]] where mask[i, j] = 1; rows with no ids give zeros. */
export function embeddingBag(b: GraphBuilder, table: Sym, ids: Sym, mask: Sym): Sym {
  const count = b.max(b.reduceSum(mask, [1], true), 1); // [N, 1]
  return b.weightedBag(table, ids, b.div(mask, count));
}
