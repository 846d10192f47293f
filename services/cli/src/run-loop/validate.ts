// Turns input rows into the events `rlhf run` sends: one interaction per distinct interaction_id
// (with the exact prompt and answer), and one feedback event per signal a row carries (vote,
// rating, comparison, outcome). Every problem is reported with its line and column; a row whose
// answer is given only by a bad row, or compared with one, is bad too.
import type { ReasonCode } from "@rlhf-loop/client";
import { bytes, LIMITS, RowReader, type RowIssue } from "./fields.js";

export type RoleName = "system" | "user" | "assistant" | "tool";
export type SourceName = "end_user" | "expert" | "qa" | "support" | "system";
export type ChoiceName = "this" | "other" | "tie";
export type OutcomeName = "escalation" | "refund" | "reopen" | "compliance_flag";

export interface PromptMessage {
  readonly role: RoleName;
  readonly content: string;
}

export interface InteractionEvent {
  readonly line: number;
  readonly interactionId: string;
  readonly conversationId: string;
  readonly prompt: readonly PromptMessage[];
  readonly answer: string;
  readonly modelVersion: string;
  readonly segment: string;
  readonly regeneratedFrom: string;
  /** user_id, intent, purpose when given. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly occurredAt?: Date;
  readonly idempotencyKey: string;
}

interface SignalCommon {
  readonly line: number;
  readonly interactionId: string;
  readonly occurredAt?: Date;
  readonly idempotencyKey: string;
  readonly source: SourceName;
  readonly raterId: string;
  readonly rubricVersion: string;
  readonly reasonCodes: readonly ReasonCode[];
  readonly comment: string;
}

export type SignalEvent = SignalCommon &
  (
    | { readonly kind: "thumb"; readonly direction: "up" | "down" }
    | { readonly kind: "rating"; readonly score: number; readonly scaleMin: number; readonly scaleMax: number }
    | { readonly kind: "comparison"; readonly otherInteractionId: string; readonly choice: ChoiceName; readonly criteria: readonly { criterion: string; choice: ChoiceName }[] }
    | { readonly kind: "outcome"; readonly outcome: OutcomeName; readonly amountMinor: bigint; readonly currency: string; readonly detail: string }
  );

export interface InputRow {
  readonly line: number;
  /** Canonical column name -> CSV string or JSONL value. */
  readonly values: Readonly<Record<string, unknown>>;
}

export interface FeedbackFile {
  readonly rows: number;
  readonly goodRows: number;
  readonly interactions: InteractionEvent[];
  readonly signals: SignalEvent[];
  /** Every problem, in line order. */
  readonly issues: RowIssue[];
  /** Lines of the rows left out. */
  readonly badLines: number[];
}

const VOTES: Readonly<Record<string, "up" | "down">> = {
  up: "up", "+1": "up", "1": "up", thumbs_up: "up", thumb_up: "up", true: "up",
  down: "down", "-1": "down", "0": "down", thumbs_down: "down", thumb_down: "down", false: "down",
};
const SOURCES: readonly SourceName[] = ["end_user", "expert", "qa", "support", "system"];
const CHOICES: readonly ChoiceName[] = ["this", "other", "tie"];
const OUTCOMES: readonly OutcomeName[] = ["escalation", "refund", "reopen", "compliance_flag"];
const ROLES: readonly RoleName[] = ["system", "user", "assistant", "tool"];
const EVENT_TYPES = ["interaction", "feedback", "outcome"] as const;

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, "_");

interface ParsedRow {
  readonly line: number;
  readonly interaction?: InteractionEvent;
  readonly signals: SignalEvent[];
  readonly issues: RowIssue[];
}

/** The prompt column: plain text (one user message) or a JSON array of {role, content}. */
function readPrompt(r: RowReader, systemPrompt: string): PromptMessage[] | undefined {
  const v = r.raw("prompt");
  let messages: unknown[] | undefined;
  if (Array.isArray(v)) messages = v;
  else if (typeof v === "string" && v.trim().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(v);
      // A JSON array of objects is a message list; anything else is the user's text as written.
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((m) => typeof m === "object" && m !== null && !Array.isArray(m))) messages = parsed;
    } catch {
      messages = undefined;
    }
  } else if (v !== undefined && v !== null && typeof v !== "string") {
    r.bad("prompt", "must be the user's message or a JSON array of {role, content} messages");
    return undefined;
  }
  let out: PromptMessage[];
  if (messages) {
    out = [];
    if (messages.length > LIMITS.promptMessages) r.bad("prompt", `at most ${LIMITS.promptMessages} messages`);
    messages.forEach((m, i) => {
      const o = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
      const role = typeof o["role"] === "string" ? norm(o["role"]) : "";
      if (!ROLES.includes(role as RoleName)) r.bad(`prompt[${i}].role`, `must be one of ${ROLES.join(", ")}, got ${JSON.stringify(o["role"])}`);
      const content = o["content"];
      if (typeof content !== "string" || content.length === 0) r.bad(`prompt[${i}].content`, "must be a non-empty string");
      else {
        r.checkString(`prompt[${i}].content`, content);
        if (bytes(content) > LIMITS.promptMessageBytes) r.bad(`prompt[${i}].content`, `longer than ${LIMITS.promptMessageBytes} bytes`);
      }
      out.push({ role: role as RoleName, content: typeof content === "string" ? content : "" });
    });
    if (systemPrompt) {
      if (out[0]?.role === "system") r.bad("system_prompt", "the prompt's messages already start with a system message");
      else out.unshift({ role: "system", content: systemPrompt });
    }
  } else {
    const text = r.text("prompt", { trim: false });
    if (bytes(text) > LIMITS.promptMessageBytes) r.bad("prompt", `longer than ${LIMITS.promptMessageBytes} bytes`);
    out = [...(systemPrompt ? [{ role: "system" as const, content: systemPrompt }] : []), { role: "user" as const, content: text }];
  }
  if (out.reduce((s, m) => s + bytes(m.content), 0) > LIMITS.promptTotalBytes) r.bad("prompt", `longer than ${LIMITS.promptTotalBytes} bytes in total`);
  return out;
}

function readCriteria(r: RowReader): { criterion: string; choice: ChoiceName }[] {
  if (!r.has("criteria")) return [];
  const v = r.raw("criteria");
  let entries: [string, unknown][];
  if (typeof v === "string") {
    entries = v.split(";").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
      const eq = s.indexOf("=");
      return eq < 0 ? [s, undefined] : [s.slice(0, eq).trim(), s.slice(eq + 1).trim()];
    });
  } else if (typeof v === "object" && v !== null && !Array.isArray(v)) entries = Object.entries(v);
  else {
    r.bad("criteria", "must be name=this|other|tie;... (or a JSON object of name: choice)");
    return [];
  }
  if (entries.length > LIMITS.criteria) r.bad("criteria", `at most ${LIMITS.criteria} criteria`);
  const out: { criterion: string; choice: ChoiceName }[] = [];
  entries.forEach(([name, choice], i) => {
    const c = typeof choice === "string" ? norm(choice) : "";
    if (name === "" || bytes(name) > LIMITS.criterionBytes) r.bad(`criteria[${i}]`, `criterion name must be 1-${LIMITS.criterionBytes} bytes`);
    else if (!CHOICES.includes(c as ChoiceName)) r.bad(`criteria[${i}]`, `${JSON.stringify(name)} must be this, other or tie, got ${JSON.stringify(choice)}`);
    else out.push({ criterion: name, choice: c as ChoiceName });
  });
  return out;
}

function parseRow(row: InputRow): ParsedRow {
  const r = new RowReader(row.line, row.values);
  const interactionId = r.id("interaction_id");
  if (!r.has("interaction_id")) r.bad("interaction_id", "required");
  const occurredAt = r.time("occurred_at");
  const eventTypeText = norm(r.text("event_type"));
  const eventType = eventTypeText === "" ? undefined : (EVENT_TYPES as readonly string[]).includes(eventTypeText) ? eventTypeText : undefined;
  if (eventTypeText !== "" && !eventType) r.bad("event_type", `must be interaction, feedback or outcome, got ${JSON.stringify(r.text("event_type"))}`);
  const givenKey = r.text("idempotency_key");
  if (givenKey !== "" && !LIMITS.idempotencyKeyPattern.test(givenKey)) r.bad("idempotency_key", "must be 1-200 printable ASCII characters without spaces");

  const userId = r.text("user_id", { maxBytes: LIMITS.metadataValueBytes });

  // The answer this row is about, when the row gives it.
  let interaction: InteractionEvent | undefined;
  const hasPrompt = r.has("prompt");
  const hasAnswer = r.has("answer");
  if (hasPrompt || hasAnswer || eventType === "interaction") {
    if (!hasPrompt) r.bad("prompt", "required when the row gives an answer");
    if (!hasAnswer) r.bad("answer", "required when the row gives a prompt");
    const systemPrompt = r.text("system_prompt", { trim: false, maxBytes: LIMITS.promptMessageBytes });
    const prompt = hasPrompt ? readPrompt(r, systemPrompt) : undefined;
    const answer = r.text("answer", { trim: false, maxBytes: LIMITS.answerBytes });
    const conversationId = r.id("conversation_id");
    const regeneratedFrom = r.id("regenerated_from");
    if (regeneratedFrom !== "" && regeneratedFrom === interactionId) r.bad("regenerated_from", "must differ from interaction_id");
    const metadata: Record<string, string> = {};
    for (const [col, v] of [["user_id", userId], ["intent", r.text("intent", { maxBytes: LIMITS.metadataValueBytes })], ["purpose", r.text("purpose", { maxBytes: LIMITS.metadataValueBytes })]] as const) {
      if (v !== "") metadata[col] = v;
    }
    if (prompt && hasAnswer) {
      interaction = {
        line: row.line, interactionId, conversationId, prompt, answer,
        modelVersion: r.text("model_version", { maxBytes: LIMITS.shortTextBytes }),
        segment: r.text("segment", { maxBytes: LIMITS.shortTextBytes }),
        regeneratedFrom, metadata,
        ...(occurredAt ? { occurredAt } : {}),
        idempotencyKey: eventType === "interaction" && givenKey !== "" ? givenKey : interactionId,
      };
    }
  }

  // The feedback this row carries.
  const sourceText = r.text("source");
  const source = sourceText === "" ? undefined : norm(sourceText);
  if (source !== undefined && !SOURCES.includes(source as SourceName)) r.bad("source", `must be one of ${SOURCES.join(", ")}, got ${JSON.stringify(sourceText)}`);
  const raterId = r.text("rater_id", { maxBytes: LIMITS.shortTextBytes }) || ((source ?? "end_user") === "end_user" && userId.length <= LIMITS.shortTextBytes ? userId : "");
  const common = {
    line: row.line, interactionId, ...(occurredAt ? { occurredAt } : {}),
    raterId,
    rubricVersion: r.text("rubric_version", { maxBytes: LIMITS.shortTextBytes }),
    reasonCodes: r.reasonCodes("reason_codes"),
    comment: r.text("comment", { trim: false, maxBytes: LIMITS.commentBytes }),
  };
  const feedbackSource = (source ?? "end_user") as SourceName;
  type Draft = SignalEvent extends infer S ? (S extends SignalEvent ? Omit<S, "idempotencyKey"> : never) : never;
  const drafts: Draft[] = [];

  if (r.has("vote")) {
    const v = r.raw("vote");
    const spelled = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v).trim().toLowerCase() : "";
    const key = /[a-z]/.test(spelled) ? norm(spelled) : spelled;
    const direction = Object.hasOwn(VOTES, key) ? VOTES[key] : undefined;
    if (!direction) r.bad("vote", `must be up, down, +1, -1, 1, 0, thumbs_up or thumbs_down, got ${JSON.stringify(v)}`);
    else drafts.push({ ...common, source: feedbackSource, kind: "thumb", direction });
  }
  const score = r.integer("rating");
  const scaleMin = r.integer("rating_min") ?? 1;
  const scaleMax = r.integer("rating_max") ?? 5;
  if (r.has("rating")) {
    const b = LIMITS.ratingBound;
    if (scaleMin < -b || scaleMax > b) r.bad("rating_min", `the scale must lie within -${b}..${b}`);
    else if (scaleMax <= scaleMin) r.bad("rating_max", `must be greater than rating_min (${scaleMin})`);
    else if (score !== undefined && (score < scaleMin || score > scaleMax)) r.bad("rating", `must be within ${scaleMin}..${scaleMax}, got ${score}`);
    else if (score !== undefined) drafts.push({ ...common, source: feedbackSource, kind: "rating", score, scaleMin, scaleMax });
  } else if (r.has("rating_min") || r.has("rating_max")) r.bad("rating", "required when rating_min or rating_max is given");

  const other = r.id("compared_with");
  const choiceText = r.text("choice");
  if (r.has("compared_with") || choiceText !== "") {
    const choice = norm(choiceText);
    if (!r.has("compared_with")) r.bad("compared_with", "required with choice (the other answer's interaction_id)");
    else if (other === interactionId) r.bad("compared_with", "must differ from interaction_id");
    if (!CHOICES.includes(choice as ChoiceName)) r.bad("choice", `must be this, other or tie (seen from interaction_id), got ${JSON.stringify(choiceText)}`);
    const criteria = readCriteria(r);
    if (r.has("compared_with") && CHOICES.includes(choice as ChoiceName)) drafts.push({ ...common, source: feedbackSource, kind: "comparison", otherInteractionId: other, choice: choice as ChoiceName, criteria });
  } else if (r.has("criteria")) r.bad("criteria", "given without compared_with and choice");

  const outcomeText = r.text("outcome");
  if (outcomeText !== "") {
    const outcome = norm(outcomeText);
    const amountText = r.text("amount_minor");
    const currency = r.text("currency");
    let amountMinor = 0n;
    if (amountText !== "") {
      if (!/^\d+$/.test(amountText) || BigInt(amountText) > LIMITS.amountMinorMax) r.bad("amount_minor", `must be a whole number of minor units (cents) up to ${LIMITS.amountMinorMax}`);
      else amountMinor = BigInt(amountText);
    }
    if (currency !== "" && !LIMITS.currencyPattern.test(currency)) r.bad("currency", "must be an ISO 4217 code such as EUR");
    if (amountMinor > 0n && currency === "") r.bad("currency", "required when amount_minor is set");
    const detail = r.text("detail", { trim: false, maxBytes: LIMITS.detailBytes });
    if (!OUTCOMES.includes(outcome as OutcomeName)) r.bad("outcome", `must be one of ${OUTCOMES.join(", ")}, got ${JSON.stringify(outcomeText)}`);
    else drafts.push({ ...common, source: (source ?? "system") as SourceName, kind: "outcome", outcome: outcome as OutcomeName, amountMinor, currency, detail });
  } else if (r.has("amount_minor") || r.has("currency")) r.bad("outcome", "required when amount_minor or currency is given");

  if (eventType === "interaction" && drafts.length > 0) r.bad("event_type", "an interaction row carries no feedback (vote, rating, comparison or outcome)");
  if (eventType === "feedback" && !drafts.some((d) => d.kind !== "outcome") && r.issues.length === 0) r.bad("event_type", "a feedback row needs a vote, rating or comparison");
  if (eventType === "outcome" && !drafts.some((d) => d.kind === "outcome") && r.issues.length === 0) r.bad("outcome", "required on an outcome row");
  if (drafts.length === 0 && common.reasonCodes.length > 0) r.bad("reason_codes", "given without a vote, rating, comparison or outcome");
  if (!interaction && drafts.length === 0 && r.issues.length === 0) r.bad("answer", "the row carries neither a prompt and answer nor any feedback");

  const signals: SignalEvent[] = drafts.map((d) => ({
    ...d,
    idempotencyKey: givenKey !== "" && eventType !== "interaction" ? (drafts.length === 1 ? givenKey : `${givenKey}:${d.kind}`) : `row${row.line}:${d.kind}`,
  }) as SignalEvent);
  return { line: row.line, ...(interaction ? { interaction } : {}), signals, issues: r.issues };
}

const sameText = (a: InteractionEvent, b: InteractionEvent) => a.answer === b.answer && JSON.stringify(a.prompt) === JSON.stringify(b.prompt);

/** Validates every row; the events hold only the good rows' content. */
export function validateRows(rows: readonly InputRow[]): FeedbackFile {
  const parsed = rows.map(parseRow);
  const bad = new Map<number, RowIssue[]>();
  for (const p of parsed) if (p.issues.length) bad.set(p.line, [...p.issues]);
  const markBad = (line: number, issue: RowIssue) => {
    const list = bad.get(line) ?? [];
    list.push(issue);
    bad.set(line, list);
  };

  // Cross-row rules, repeated until no new row turns bad (a bad row can strand rows that need it).
  let interactions = new Map<string, InteractionEvent>();
  for (let changed = true; changed; ) {
    changed = false;
    interactions = new Map();
    const definedByBad = new Map<string, number>();
    for (const p of parsed) {
      if (!p.interaction) continue;
      if (bad.has(p.line)) {
        if (!definedByBad.has(p.interaction.interactionId)) definedByBad.set(p.interaction.interactionId, p.line);
        continue;
      }
      const first = interactions.get(p.interaction.interactionId);
      if (!first) interactions.set(p.interaction.interactionId, p.interaction);
      else if (!sameText(first, p.interaction)) {
        const what = first.answer !== p.interaction.answer ? "answer" : "prompt";
        markBad(p.line, { line: p.line, path: what, reason: `differs from line ${first.line}, which gives the same interaction_id ${first.interactionId}` });
        changed = true;
      }
    }
    const missing = (id: string): string | undefined => {
      if (interactions.has(id)) return undefined;
      const b = definedByBad.get(id);
      return b !== undefined ? `interaction ${id} is given by line ${b}, which is bad` : `no row in the file gives the prompt and answer of interaction ${id}`;
    };
    for (const p of parsed) {
      if (bad.has(p.line)) continue;
      for (const s of p.signals) {
        const why = p.interaction ? undefined : missing(s.interactionId);
        if (why) {
          markBad(p.line, { line: p.line, path: "interaction_id", reason: why });
          changed = true;
          break;
        }
        if (s.kind === "comparison") {
          const w = missing(s.otherInteractionId);
          if (w) {
            markBad(p.line, { line: p.line, path: "compared_with", reason: w });
            changed = true;
            break;
          }
        }
      }
    }
    // Idempotency keys must be unique across the file, or ingestion would keep only the first event.
    const keys = new Map<string, number>();
    for (const p of parsed) {
      if (bad.has(p.line)) continue;
      const own = [...(p.interaction && interactions.get(p.interaction.interactionId) === p.interaction ? [p.interaction.idempotencyKey] : []), ...p.signals.map((s) => s.idempotencyKey)];
      for (const k of own) {
        const seen = keys.get(k);
        if (seen !== undefined && seen !== p.line) {
          markBad(p.line, { line: p.line, path: "idempotency_key", reason: `${JSON.stringify(k)} is also used on line ${seen}` });
          changed = true;
          break;
        }
        keys.set(k, p.line);
      }
    }
  }

  const good = parsed.filter((p) => !bad.has(p.line));
  const goodIds = new Set(good.flatMap((p) => (p.interaction ? [p.interaction.interactionId] : [])));
  return {
    rows: rows.length,
    goodRows: good.length,
    interactions: [...interactions.values()].filter((i) => goodIds.has(i.interactionId) && !bad.has(i.line)),
    signals: good.flatMap((p) => p.signals),
    issues: [...bad.values()].flat().sort((a, b) => a.line - b.line),
    badLines: [...bad.keys()].sort((a, b) => a - b),
  };
}
