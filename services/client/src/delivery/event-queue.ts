import type { EncodedEvent } from "../transport/types.js";
import type { EventKind } from "../events/build.js";

/** One event waiting for delivery, already encoded. */
export interface QueuedEvent {
  readonly seq: number;
  readonly kind: EventKind;
  readonly interactionId: string;
  readonly idempotencyKey: string;
  readonly encoded: EncodedEvent;
  readonly enqueuedAt: number;
}

/**
 * What happens when the buffer is full:
 * - "drop-newest" (default): the incoming event is refused; what is buffered keeps its place.
 * - "drop-oldest": the oldest events still waiting (not in flight) are evicted to make room.
 */
export type DropPolicy = "drop-newest" | "drop-oldest";

/** FIFO with O(1) push/shift (head index, compacted now and then) and running byte totals. */
export class EventQueue {
  #items: QueuedEvent[] = [];
  #head = 0;
  #bytes = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  peek(): QueuedEvent | undefined {
    return this.#items[this.#head];
  }

  push(e: QueuedEvent): void {
    this.#items.push(e);
    this.#bytes += e.encoded.bytes;
  }

  shift(): QueuedEvent | undefined {
    const e = this.#items[this.#head];
    if (e === undefined) return undefined;
    this.#items[this.#head] = undefined as unknown as QueuedEvent;
    this.#head++;
    this.#bytes -= e.encoded.bytes;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return e;
  }

  /** Takes up to `maxEvents` from the head, stopping before `maxBytes` would be exceeded (at least one). */
  take(maxEvents: number, maxBytes: number): QueuedEvent[] {
    const out: QueuedEvent[] = [];
    let bytes = 0;
    while (out.length < maxEvents) {
      const e = this.peek();
      if (e === undefined) break;
      if (out.length > 0 && bytes + e.encoded.bytes > maxBytes) break;
      bytes += e.encoded.bytes;
      out.push(this.shift()!);
    }
    return out;
  }

  drain(): QueuedEvent[] {
    const out = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return out;
  }
}
