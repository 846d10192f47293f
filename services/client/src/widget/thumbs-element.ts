import type { EnqueueResult, FeedbackSourceInput, ThumbInput } from "../events/inputs.js";
import { REASON_CODES, REASON_LABELS, WIDGET_DEFAULT_REASONS, isReasonCode, type ReasonCode } from "../events/reason-codes.js";

/** What the widget needs from a client: a FeedbackClient, or anything with the same thumb(). */
export interface ThumbsClient {
  thumb(input: ThumbInput): EnqueueResult;
}

export interface ThumbsLabels {
  group: string;
  up: string;
  down: string;
  pickerTitle: string;
  send: string;
  skip: string;
  thanks: string;
}

export const DEFAULT_THUMBS_LABELS: ThumbsLabels = {
  group: "Rate this answer",
  up: "Helpful",
  down: "Not helpful",
  pickerTitle: "What went wrong?",
  send: "Send",
  skip: "Skip",
  thanks: "Thanks for your feedback.",
};

export interface DefineThumbsOptions {
  /** Default "rlhf-thumbs". */
  tagName?: string;
  labels?: Partial<ThumbsLabels>;
  reasonLabels?: Partial<Record<ReasonCode, string>>;
}

/** Detail of the `rlhf-feedback` event the element dispatches (bubbles, crosses shadow roots). */
export interface ThumbsFeedbackDetail {
  interactionId: string;
  direction: "up" | "down";
  reasonCodes: ReasonCode[];
  idempotencyKey: string;
  queued: boolean;
}

const STYLE = `
:host { display: inline-block; font: inherit; color: inherit; }
.root { display: inline-flex; flex-wrap: wrap; align-items: center; gap: .25rem; }
button { font: inherit; cursor: pointer; border: 1px solid #8886; border-radius: .4rem; background: transparent;
  color: inherit; padding: .2rem .5rem; min-width: 2.25rem; min-height: 2.25rem; }
button[aria-pressed="true"] { background: #8883; border-color: currentColor; }
button[aria-disabled="true"] { cursor: default; opacity: .6; }
button[aria-disabled="true"][aria-pressed="true"] { opacity: 1; }
button:focus-visible, input:focus-visible { outline: 2px solid Highlight; outline-offset: 2px; }
.picker { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: center; flex-basis: 100%; margin-top: .25rem; }
.picker[hidden], [hidden] { display: none; }
.title { font-weight: 600; flex-basis: 100%; }
.status { font-size: .9em; opacity: .8; }
`;

/**
 * Reasons to offer: none when the `reasons` attribute is absent, all canonical codes when it is
 * present but empty, else the listed ones (space or comma separated; unknown codes ignored).
 */
export function reasonsFromAttribute(value: string | null): ReasonCode[] {
  if (value === null) return [];
  const listed = value.split(/[\s,]+/).filter((s) => s !== "");
  if (listed.length === 0) return [...WIDGET_DEFAULT_REASONS];
  return REASON_CODES.filter((c) => listed.includes(c));
}

/**
 * Registers `<rlhf-thumbs interaction-id="...">` bound to `client`. Attributes: `interaction-id`
 * (required), `reasons` (show the reason picker after a thumbs-down), `rater-id`, `source`.
 * Returns the element class; calling it again returns the class already registered.
 */
export function defineRlhfThumbs(client: ThumbsClient, options: DefineThumbsOptions = {}): CustomElementConstructor {
  const tagName = options.tagName ?? "rlhf-thumbs";
  const existing = customElements.get(tagName);
  if (existing) return existing;
  const labels: ThumbsLabels = { ...DEFAULT_THUMBS_LABELS, ...options.labels };
  const reasonLabels: Record<ReasonCode, string> = { ...REASON_LABELS, ...options.reasonLabels };

  class RlhfThumbsElement extends HTMLElement {
    static get observedAttributes(): string[] {
      return ["reasons"];
    }

    /** Per-element override of the client given to defineRlhfThumbs. */
    client: ThumbsClient = client;
    #root: ShadowRoot;
    #up!: HTMLButtonElement;
    #down!: HTMLButtonElement;
    #picker!: HTMLElement;
    #status!: HTMLElement;
    #voted = false;

    constructor() {
      super();
      this.#root = this.attachShadow({ mode: "open" });
    }

    connectedCallback(): void {
      if (!this.#up) this.#render();
    }

    attributeChangedCallback(): void {
      if (this.#up) this.#renderPicker();
    }

    /** "up", "down" or null: the vote this element sent. */
    get vote(): "up" | "down" | null {
      if (!this.#voted) return null;
      return this.#up.getAttribute("aria-pressed") === "true" ? "up" : "down";
    }

    #render(): void {
      const style = document.createElement("style");
      style.textContent = STYLE;
      const root = document.createElement("div");
      root.className = "root";
      root.setAttribute("part", "root");
      root.setAttribute("role", "group");
      root.setAttribute("aria-label", labels.group);
      this.#up = this.#button("up", "\u{1F44D}", labels.up);
      this.#down = this.#button("down", "\u{1F44E}", labels.down);
      this.#down.tabIndex = -1; // roving tabindex: one Tab stop for the pair, arrows move inside
      this.#picker = document.createElement("div");
      this.#picker.className = "picker";
      this.#picker.id = "picker";
      this.#picker.setAttribute("part", "picker");
      this.#picker.setAttribute("role", "group");
      this.#picker.setAttribute("aria-labelledby", "picker-title");
      this.#picker.hidden = true;
      this.#picker.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          this.#closePicker();
        }
      });
      this.#status = document.createElement("span");
      this.#status.className = "status";
      this.#status.setAttribute("part", "status");
      this.#status.setAttribute("role", "status");
      this.#status.setAttribute("aria-live", "polite");
      root.append(this.#up, this.#down, this.#picker, this.#status);
      root.addEventListener("keydown", (e) => this.#onArrow(e));
      this.#root.append(style, root);
      this.#renderPicker();
    }

    #button(dir: "up" | "down", glyph: string, label: string): HTMLButtonElement {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.dir = dir;
      b.textContent = glyph;
      b.setAttribute("part", `button ${dir}`);
      b.setAttribute("aria-label", label);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => this.#onThumb(dir));
      return b;
    }

    #renderPicker(): void {
      const reasons = reasonsFromAttribute(this.getAttribute("reasons"));
      this.#picker.replaceChildren();
      if (reasons.length === 0) {
        this.#down.removeAttribute("aria-expanded");
        this.#down.removeAttribute("aria-controls");
        return;
      }
      this.#down.setAttribute("aria-expanded", String(!this.#picker.hidden));
      this.#down.setAttribute("aria-controls", "picker");
      const title = document.createElement("span");
      title.id = "picker-title";
      title.className = "title";
      title.textContent = labels.pickerTitle;
      this.#picker.append(title);
      for (const code of reasons) {
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = code;
        box.name = "reason";
        label.append(box, ` ${reasonLabels[code]}`);
        this.#picker.append(label);
      }
      const send = document.createElement("button");
      send.type = "button";
      send.textContent = labels.send;
      send.setAttribute("part", "send");
      send.dataset.action = "send";
      send.addEventListener("click", () => this.#submit("down", this.#checkedReasons()));
      const skip = document.createElement("button");
      skip.type = "button";
      skip.textContent = labels.skip;
      skip.setAttribute("part", "skip");
      skip.dataset.action = "skip";
      skip.addEventListener("click", () => this.#submit("down", []));
      this.#picker.append(send, skip);
    }

    #onArrow(e: KeyboardEvent): void {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      const focused = this.#root.activeElement;
      if (focused !== this.#up && focused !== this.#down) return;
      const active = focused === this.#up ? this.#up : this.#down;
      e.preventDefault();
      const next = active === this.#up ? this.#down : this.#up;
      active.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }

    #onThumb(dir: "up" | "down"): void {
      if (this.#voted) return;
      if (dir === "down" && this.#picker.childElementCount > 0) {
        if (this.#picker.hidden) this.#openPicker();
        else this.#closePicker();
        return;
      }
      this.#submit(dir, []);
    }

    #openPicker(): void {
      this.#picker.hidden = false;
      this.#down.setAttribute("aria-pressed", "true");
      this.#down.setAttribute("aria-expanded", "true");
      this.#picker.querySelector("input")?.focus();
    }

    /** Escape or a second click: no vote is sent, focus returns to the thumbs-down button. */
    #closePicker(): void {
      this.#picker.hidden = true;
      this.#down.setAttribute("aria-pressed", "false");
      this.#down.setAttribute("aria-expanded", "false");
      this.#down.tabIndex = 0;
      this.#up.tabIndex = -1;
      this.#down.focus();
    }

    #checkedReasons(): ReasonCode[] {
      return Array.from(this.#picker.querySelectorAll<HTMLInputElement>("input:checked"))
        .map((i) => i.value)
        .filter(isReasonCode);
    }

    #submit(direction: "up" | "down", reasonCodes: ReasonCode[]): void {
      const interactionId = this.getAttribute("interaction-id") ?? "";
      const raterId = this.getAttribute("rater-id");
      const source = this.getAttribute("source");
      const input: ThumbInput = {
        interactionId,
        direction,
        ...(reasonCodes.length > 0 ? { reasonCodes } : {}),
        ...(raterId ? { raterId } : {}),
        ...(source ? { source: source as FeedbackSourceInput } : {}),
      };
      // The client never throws; the guard covers a custom ThumbsClient that might.
      let result: EnqueueResult;
      try {
        result = this.client.thumb(input);
      } catch {
        result = { queued: false, idempotencyKey: "" };
      }
      this.#voted = true;
      const pressed = direction === "up" ? this.#up : this.#down;
      pressed.setAttribute("aria-pressed", "true");
      for (const b of [this.#up, this.#down]) b.setAttribute("aria-disabled", "true");
      const focusInPicker = this.#picker.contains(this.#root.activeElement);
      this.#picker.hidden = true;
      if (this.#down.hasAttribute("aria-expanded")) this.#down.setAttribute("aria-expanded", "false");
      if (focusInPicker) {
        this.#down.tabIndex = 0;
        this.#up.tabIndex = -1;
        this.#down.focus();
      }
      this.#status.textContent = labels.thanks;
      const detail: ThumbsFeedbackDetail = {
        interactionId,
        direction,
        reasonCodes,
        idempotencyKey: result.idempotencyKey,
        queued: result.queued,
      };
      this.dispatchEvent(new CustomEvent("rlhf-feedback", { detail, bubbles: true, composed: true }));
    }
  }

  customElements.define(tagName, RlhfThumbsElement);
  return RlhfThumbsElement;
}
