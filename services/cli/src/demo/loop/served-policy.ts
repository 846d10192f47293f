// The simulated product's bot once a policy is promoted: every chat is answered by the RL trainer's
// GenerateBatch for the tenant (the canary's last PROMOTE), so the loop closes.
import { createGrpcClient } from "@rlhf-loop/kit";
import { Policy } from "@rlhf-loop/proto";
import { customerText, textPolicy, type AnswerPolicy } from "@rlhf-loop/sim";

/** Times the product asks again for a chat whose sampled answer came back empty. */
const EMPTY_ANSWER_RETRIES = 3;

/**
 * `key`: a Policy key of the tenant (operator or service), sent with every call. A product never
 * shows an empty answer (ingestion refuses one): it asks for at least one token (min_tokens), and
 * a chat whose answer still reads blank (say, only line breaks) is sampled again with another
 * seed and counted in `regenerated`.
 */
export function servedPolicy(rlGrpc: string, tenantId: string, version: string, key: string): { policy: AnswerPolicy; close: () => void; regenerated: () => number } {
  const client = createGrpcClient(Policy, rlGrpc, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  let call = 0;
  let regenerated = 0;
  const generate = async (prompts: string[]): Promise<string[]> => {
    // Empty version with the tenant: whatever the canary promoted last answers.
    const res = await client.generateBatch({ tenantId, prompts, samplesPerPrompt: 1, minTokens: 1, seed: 1_000 + call++ }, { timeoutMs: 120_000, metadata: { authorization: `Bearer ${key}` } });
    if (res.answers.length !== prompts.length) throw new Error(`GenerateBatch answered ${res.answers.length} of ${prompts.length} chats`);
    return res.answers.map((a) => a.answer);
  };
  const policy = textPolicy(version, version, async (requests) => {
    const out: string[] = [];
    for (let i = 0; i < requests.length; i += 1024) {
      const prompts = requests.slice(i, i + 1024).map((r) => customerText(r.prompt));
      const answers = await generate(prompts);
      for (let attempt = 0; attempt < EMPTY_ANSWER_RETRIES; attempt++) {
        const empty = answers.flatMap((a, j) => (a.trim() === "" ? [j] : []));
        if (empty.length === 0) break;
        regenerated += empty.length;
        const again = await generate(empty.map((j) => prompts[j]!));
        empty.forEach((j, k) => (answers[j] = again[k]!));
      }
      const stillEmpty = answers.filter((a) => a.trim() === "").length;
      if (stillEmpty > 0) throw new Error(`the served policy answered ${stillEmpty} chat(s) with an empty answer ${EMPTY_ANSWER_RETRIES + 1} times`);
      out.push(...answers);
    }
    return out;
  });
  return { policy, close: () => client.close(), regenerated: () => regenerated };
}
