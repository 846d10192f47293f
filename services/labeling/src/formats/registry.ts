import type { PromptMessage } from "../domain/model.js";
import type { ExchangePair, Format, FormatName } from "./formats.js";
import { LineError, checkPair, isRecord, readAssistantTurn, readMessages, readWeight, stringField, withWeight } from "./formats.js";
import { parseTranscript, renderTranscript } from "./transcript.js";

const message = (m: PromptMessage) => ({ role: m.role, content: m.content });

/**
 * TRL plain ("standard") preference rows: {"prompt", "chosen", "rejected"} as strings. A prompt
 * that is one user message is written as its text; any other prompt as an HH-style transcript
 * ending in "\n\nAssistant:", which is how TRL's own HH conversions look.
 */
const trl: Format = {
  name: "trl",
  describe: 'TRL standard preference: {"prompt": str, "chosen": str, "rejected": str}',
  write(p, { includeWeight }) {
    const single = p.prompt.length === 1 && p.prompt[0]?.role === "user" && !p.prompt[0].content.startsWith("\n\n");
    const prompt = single ? (p.prompt[0] as PromptMessage).content : `${renderTranscript(p.prompt)}\n\nAssistant:`;
    return withWeight({ prompt, chosen: p.chosen, rejected: p.rejected }, p, includeWeight);
  },
  read(obj) {
    if (!isRecord(obj)) throw new LineError("each line must be a JSON object");
    const promptText = stringField(obj, "prompt");
    let prompt: PromptMessage[];
    if (promptText.startsWith("\n\n")) {
      if (!promptText.endsWith("\n\nAssistant:")) throw new LineError('a transcript "prompt" must end with "\\n\\nAssistant:"');
      prompt = parseTranscript(promptText.slice(0, -"\n\nAssistant:".length), "prompt");
    } else prompt = [{ role: "user", content: promptText }];
    return checkPair({ prompt, chosen: stringField(obj, "chosen"), rejected: stringField(obj, "rejected"), weight: readWeight(obj) });
  },
  sniff: (obj) => isRecord(obj) && typeof obj["prompt"] === "string" && typeof obj["chosen"] === "string",
};

/** TRL conversational preference rows: prompt as messages, chosen/rejected as one assistant message each. */
const trlConversational: Format = {
  name: "trl-conversational",
  describe: 'TRL conversational preference: {"prompt": [msg], "chosen": [assistant msg], "rejected": [assistant msg]}',
  write(p, { includeWeight }) {
    return withWeight(
      { prompt: p.prompt.map(message), chosen: [{ role: "assistant", content: p.chosen }], rejected: [{ role: "assistant", content: p.rejected }] },
      p,
      includeWeight,
    );
  },
  read(obj) {
    if (!isRecord(obj)) throw new LineError("each line must be a JSON object");
    if (obj["prompt"] === undefined) throw new LineError('missing "prompt" (a list of messages)');
    if (obj["chosen"] === undefined) throw new LineError('missing "chosen" (a list with one assistant message)');
    if (obj["rejected"] === undefined) throw new LineError('missing "rejected" (a list with one assistant message)');
    return checkPair({
      prompt: readMessages(obj["prompt"], "prompt"),
      chosen: readAssistantTurn(obj["chosen"], "chosen"),
      rejected: readAssistantTurn(obj["rejected"], "rejected"),
      weight: readWeight(obj),
    });
  },
  sniff: (obj) => isRecord(obj) && Array.isArray(obj["prompt"]) && Array.isArray(obj["chosen"]),
};

/** OpenAI preference (DPO) fine-tuning JSONL. */
const openaiDpo: Format = {
  name: "openai-dpo",
  describe: 'OpenAI DPO: {"input": {"messages": [...], "tools": [], "parallel_tool_calls": true}, "preferred_output": [...], "non_preferred_output": [...]}',
  write(p, { includeWeight }) {
    return withWeight(
      {
        input: { messages: p.prompt.map(message), tools: [], parallel_tool_calls: true },
        preferred_output: [{ role: "assistant", content: p.chosen }],
        non_preferred_output: [{ role: "assistant", content: p.rejected }],
      },
      p,
      includeWeight,
    );
  },
  read(obj) {
    if (!isRecord(obj)) throw new LineError("each line must be a JSON object");
    const input = obj["input"];
    if (input === undefined) throw new LineError('missing "input" (an object with "messages")');
    if (!isRecord(input)) throw new LineError('"input" must be an object with "messages"');
    if (input["messages"] === undefined) throw new LineError('missing "input.messages"');
    if (obj["preferred_output"] === undefined) throw new LineError('missing "preferred_output"');
    if (obj["non_preferred_output"] === undefined) throw new LineError('missing "non_preferred_output"');
    return checkPair({
      prompt: readMessages(input["messages"], "input.messages"),
      chosen: readAssistantTurn(obj["preferred_output"], "preferred_output"),
      rejected: readAssistantTurn(obj["non_preferred_output"], "non_preferred_output"),
      weight: readWeight(obj),
    });
  },
  sniff: (obj) => isRecord(obj) && isRecord(obj["input"]) && obj["preferred_output"] !== undefined,
};

/** Anthropic HH-RLHF: {"chosen", "rejected"} full transcripts sharing everything up to the last Assistant turn. */
const hh: Format = {
  name: "hh",
  describe: 'Anthropic HH: {"chosen": "\\n\\nHuman: ...\\n\\nAssistant: ...", "rejected": "..."}',
  write(p, { includeWeight }) {
    const prompt = renderTranscript(p.prompt);
    const turn = (text: string) => renderTranscript([{ role: "assistant", content: text }]);
    return withWeight({ chosen: prompt + turn(p.chosen), rejected: prompt + turn(p.rejected) }, p, includeWeight);
  },
  read(obj) {
    if (!isRecord(obj)) throw new LineError("each line must be a JSON object");
    const chosen = parseTranscript(stringField(obj, "chosen"), "chosen");
    const rejected = parseTranscript(stringField(obj, "rejected"), "rejected");
    const lastC = chosen.at(-1);
    const lastR = rejected.at(-1);
    if (lastC?.role !== "assistant") throw new LineError('"chosen" must end with an Assistant turn');
    if (lastR?.role !== "assistant") throw new LineError('"rejected" must end with an Assistant turn');
    const prompt = chosen.slice(0, -1);
    const other = rejected.slice(0, -1);
    const same = prompt.length === other.length && prompt.every((m, i) => m.role === other[i]?.role && m.content === other[i]?.content);
    if (!same) throw new LineError('"chosen" and "rejected" must share every turn before the last Assistant turn');
    return checkPair({ prompt, chosen: lastC.content, rejected: lastR.content, weight: readWeight(obj) });
  },
  sniff: (obj) => isRecord(obj) && typeof obj["chosen"] === "string" && obj["prompt"] === undefined,
};

export const FORMATS: Readonly<Record<FormatName, Format>> = {
  trl,
  "trl-conversational": trlConversational,
  "openai-dpo": openaiDpo,
  hh,
};

export type { ExchangePair };
