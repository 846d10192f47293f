import { CARRIERS, CHANNELS, FEATURES, MONTHS, PLANS, PRODUCTS, TOPICS, TOPIC_IDS, type TopicId } from "./catalog.js";

/** The concrete details of one request; which ones are set depends on the intent. */
export interface Slots {
  product?: string;
  /** Order number as shown to the customer, "#" and six digits. */
  order?: string;
  /** Days since purchase (refund requests). */
  days?: number;
  /** Days a delivery is overdue (shipping delays). */
  lateDays?: number;
  /** Disputed or refunded amount in cents. */
  amountMinor?: number;
  month?: string;
  plan?: string;
  topic?: TopicId;
  /** How the customer phrased the topic (one of TOPICS[topic]). */
  topicPhrase?: string;
  feature?: string;
  channel?: string;
  carrier?: string;
}

/** Numbers of the company policy that answers and prompts refer to. */
export interface PolicyNumbers {
  refundWindowDays: number;
  lostParcelAfterDays: number;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function alternation(values: readonly string[]): string {
  // Longest first so that a value is never cut short by a prefix of another.
  return `(${[...values].sort((a, b) => b.length - a.length).map(escapeRegex).join("|")})`;
}

export function formatAmount(minor: number): string {
  return `$${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

interface Placeholder {
  /** Regex source with exactly `groups` capture groups. */
  pattern: string;
  groups: number;
  read(groups: readonly string[]): Slots;
}

const topicPhrases = TOPIC_IDS.flatMap((id) => TOPICS[id].map((phrase) => ({ id, phrase })));

/**
 * The placeholders prompts and answers use. Prompt templates are turned into regexes from
 * these, so a prompt's intent and slots can be read back from its text (see gold/infer.ts).
 */
export const PLACEHOLDERS: Readonly<Record<string, Placeholder>> = {
  product: { pattern: alternation(PRODUCTS), groups: 1, read: ([p]) => ({ product: canonical(PRODUCTS, p) }) },
  order: { pattern: "#(\\d{6})", groups: 1, read: ([o]) => ({ order: `#${o}` }) },
  ago: {
    pattern: "(\\d+) (days?|weeks?) ago",
    groups: 2,
    read: ([n, unit]) => ({ days: Number(n) * (unit?.startsWith("week") ? 7 : 1) }),
  },
  lateDays: { pattern: "(\\d+)", groups: 1, read: ([n]) => ({ lateDays: Number(n) }) },
  amount: {
    pattern: "\\$(\\d+)\\.(\\d{2})",
    groups: 2,
    read: ([a, b]) => ({ amountMinor: Number(a) * 100 + Number(b) }),
  },
  month: { pattern: alternation(MONTHS), groups: 1, read: ([m]) => ({ month: canonical(MONTHS, m) }) },
  plan: { pattern: alternation(PLANS), groups: 1, read: ([p]) => ({ plan: canonical(PLANS, p) }) },
  topic: {
    pattern: alternation(topicPhrases.map((t) => t.phrase)),
    groups: 1,
    read: ([p]) => {
      const hit = topicPhrases.find((t) => t.phrase.toLowerCase() === p?.toLowerCase());
      return hit ? { topic: hit.id, topicPhrase: hit.phrase } : {};
    },
  },
  feature: { pattern: alternation(FEATURES), groups: 1, read: ([f]) => ({ feature: canonical(FEATURES, f) }) },
  Feature: { pattern: alternation(FEATURES), groups: 1, read: ([f]) => ({ feature: canonical(FEATURES, f) }) },
  channel: { pattern: alternation(CHANNELS), groups: 1, read: ([c]) => ({ channel: canonical(CHANNELS, c) }) },
  carrier: { pattern: alternation(CARRIERS), groups: 1, read: ([c]) => ({ carrier: canonical(CARRIERS, c) }) },
  // Policy numbers quoted in answers; they are not slots of the request.
  window: { pattern: "(\\d+)", groups: 1, read: () => ({}) },
  lost: { pattern: "(\\d+)", groups: 1, read: () => ({}) },
};

function canonical(values: readonly string[], seen: string | undefined): string | undefined {
  return values.find((v) => v.toLowerCase() === seen?.toLowerCase());
}

const PLACEHOLDER_RE = /\{(\w+)\}/g;

export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** Fills a template's placeholders. `ago` is rendered in days or weeks by `agoForm`. */
export function fill(
  template: string,
  slots: Slots,
  policy: PolicyNumbers,
  agoInWeeks = false,
): string {
  const text = template.replace(PLACEHOLDER_RE, (_, name: string) => {
    switch (name) {
      case "ago": {
        const days = need(slots.days, name, template);
        return agoInWeeks && days % 7 === 0 ? plural(days / 7, "week") + " ago" : plural(days, "day") + " ago";
      }
      case "lateDays":
        return String(need(slots.lateDays, name, template));
      case "amount":
        return formatAmount(need(slots.amountMinor, name, template));
      case "topic":
        return slots.topicPhrase ?? TOPICS[need(slots.topic, name, template)][0];
      case "Feature":
        return capitalize(need(slots.feature, name, template));
      case "window":
        return String(policy.refundWindowDays);
      case "lost":
        return String(policy.lostParcelAfterDays);
      default: {
        const value = (slots as Record<string, unknown>)[name];
        if (typeof value !== "string") throw new Error(`template "${template}" needs slot "${name}"`);
        return value;
      }
    }
  });
  return capitalize(text);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function need<T>(value: T | undefined, name: string, template: string): T {
  if (value === undefined) throw new Error(`template "${template}" needs slot "${name}"`);
  return value;
}

export interface CompiledTemplate {
  template: string;
  regex: RegExp;
  names: string[];
}

/** A case-insensitive regex matching any filling of the template, capturing its slots. */
export function compileTemplate(template: string): CompiledTemplate {
  const names: string[] = [];
  let source = "";
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    const name = m[1] as string;
    const ph = PLACEHOLDERS[name];
    if (!ph) throw new Error(`unknown placeholder {${name}} in "${template}"`);
    source += escapeRegex(template.slice(last, m.index)) + ph.pattern;
    names.push(name);
    last = (m.index ?? 0) + m[0].length;
  }
  source += escapeRegex(template.slice(last));
  return { template, regex: new RegExp(source, "i"), names };
}

/** Reads slots back from a regex match of a compiled template. */
export function readSlots(compiled: CompiledTemplate, match: RegExpExecArray): Slots {
  const slots: Slots = {};
  let g = 1;
  for (const name of compiled.names) {
    const ph = PLACEHOLDERS[name] as Placeholder;
    Object.assign(slots, ph.read(match.slice(g, g + ph.groups)));
    g += ph.groups;
  }
  return slots;
}
