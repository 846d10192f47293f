// The columns `rlhf run` reads (CSV header names, JSONL keys). Names follow the simulator's CSV
// export (services/lib/sim CSV_COLUMNS) where they mean the same, so `rlhf sim export --format csv`
// output is a valid input; the shorter names a team would write by hand are aliases.

export const COLUMNS = [
  "interaction_id",
  "conversation_id",
  "prompt",
  "system_prompt",
  "answer",
  "model_version",
  "segment",
  "user_id",
  "intent",
  "purpose",
  "occurred_at",
  "regenerated_from",
  "vote",
  "rating",
  "rating_min",
  "rating_max",
  "reason_codes",
  "comment",
  "outcome",
  "amount_minor",
  "currency",
  "detail",
  "rater_id",
  "source",
  "rubric_version",
  "compared_with",
  "choice",
  "criteria",
  "event_type",
  "feedback_kind",
  "idempotency_key",
] as const;

export type Column = (typeof COLUMNS)[number];

/** Other spellings: the simulator's export names and common hand-written ones. */
export const ALIASES: Readonly<Record<string, Column>> = {
  thumb: "vote",
  thumbs: "vote",
  outcome_kind: "outcome",
  other_interaction_id: "compared_with",
  reason_code: "reason_codes",
  reasons: "reason_codes",
  question: "prompt",
  response: "answer",
  timestamp: "occurred_at",
};

/** Columns every file must have (rows may leave prompt/answer empty when another row gives them). */
export const REQUIRED_COLUMNS: readonly Column[] = ["interaction_id", "prompt", "answer"];

const KNOWN: ReadonlySet<string> = new Set(COLUMNS);

/** The canonical column for a header cell or JSONL key, or undefined when it is not ours. */
export function columnOf(name: string): Column | undefined {
  const k = name.trim().toLowerCase();
  if (KNOWN.has(k)) return k as Column;
  return Object.hasOwn(ALIASES, k) ? ALIASES[k] : undefined;
}

export const FORMAT_HELP = `Input: CSV with a header row, or JSONL (one JSON object per line, same names as keys).
One row per feedback event, tied to the exact prompt and answer it is about.
  interaction_id   required  the answer's id (letters, digits, . _ : -; up to 200)
  prompt           required  the user's message, or a JSON array of {"role","content"} messages
  answer           required  the answer shown (rows about an answer another row gives may leave
                             prompt and answer empty, as the simulator's export does)
  conversation_id, model_version, segment, user_id, intent, system_prompt, regenerated_from
  occurred_at      ISO 8601 (2025-03-03T14:05:00Z; no zone means UTC); enables the weekly watch
  vote (thumb)     up | down | +1 | -1 | 1 | 0 | thumbs_up | thumbs_down
  rating           an integer on rating_min..rating_max (default 1..5)
  reason_codes     ;-separated: too_long;hedging (the codes @rlhf-loop/client accepts)
  outcome          escalation | refund | reopen | compliance_flag  (+ amount_minor, currency, detail)
  compared_with + choice   another interaction_id and this | other | tie (a side-by-side pick)
  criteria         name=this|other|tie;... per rubric criterion (expert comparisons)
  rater_id, source (end_user default; expert | qa | support | system), rubric_version, comment
  event_type, feedback_kind, idempotency_key, purpose: read for the simulator's export`;
