// The simulated product's bot once a policy is promoted: every chat is answered by the RL trainer's
// GenerateBatch for the tenant (the canary's last PROMOTE), so the loop closes.
import { createGrpcClient } from "@rlhf-loop/kit";
import { Policy } from "@rlhf-loop/proto";
import { customerText, textPolicy, type AnswerPolicy } from "@rlhf-loop/sim";

/** `key`: a Policy key of the tenant (operator or service), sent with every call. */
export function servedPolicy(rlGrpc: string, tenantId: string, version: string, key: string): { policy: AnswerPolicy; close: () => void } {
  const client = createGrpcClient(Policy, rlGrpc, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  let call = 0;
  const policy = textPolicy(version, version, async (requests) => {
    const out: string[] = [];
    for (let i = 0; i < requests.length; i += 1024) {
      const part = requests.slice(i, i + 1024);
      // Empty version with the tenant: whatever the canary promoted last answers.
      const res = await client.generateBatch({ tenantId, prompts: part.map((r) => customerText(r.prompt)), samplesPerPrompt: 1, seed: 1_000 + call++ }, { timeoutMs: 120_000, metadata: { authorization: `Bearer ${key}` } });
      if (res.answers.length !== part.length) throw new Error(`GenerateBatch answered ${res.answers.length} of ${part.length} chats`);
      out.push(...res.answers.map((a) => a.answer));
    }
    return out;
  });
  return { policy, close: () => client.close() };
}
