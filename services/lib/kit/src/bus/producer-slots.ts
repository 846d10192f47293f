/** A producer (its own producer id) and the sends running on it. */
interface ProducerSlot<P> {
  readonly producer: P;
  sends: number;
  retired: boolean;
}

export interface ProducerSlotsOptions<P> {
  /** A new producer, ready to send (a new producer id). */
  open: () => Promise<P>;
  close: (producer: P) => Promise<void>;
  /** A retired producer failed to close (nothing waits for it). */
  onCloseError: (err: unknown) => void;
}

/**
 * The idempotent producer the bus sends with, and the retired ones still draining. A send that
 * fails may have been written on some partitions while the client keeps (or rolls back) its
 * sequence numbers: the next send could then be taken by the broker for a duplicate and silently
 * dropped while acknowledged, or fail forever as out of order. So a producer whose send failed is
 * never used again; the next send opens a new one, whose sequences start afresh.
 */
export class ProducerSlots<P> {
  private current: Promise<ProducerSlot<P>> | undefined;
  private currentSlot: ProducerSlot<P> | undefined;
  /** Every producer not closed yet: the current one and retired ones still draining. */
  private readonly slots = new Set<ProducerSlot<P>>();

  constructor(private readonly o: ProducerSlotsOptions<P>) {}

  /** Runs one send on the current producer; a send that throws retires that producer. */
  async send<T>(fn: (producer: P) => Promise<T>): Promise<T> {
    const slot = await this.acquire();
    slot.sends++;
    let result: T;
    try {
      result = await fn(slot.producer);
    } catch (err) {
      slot.sends--;
      this.retire(slot);
      throw err;
    }
    slot.sends--;
    this.closeIfDrained(slot);
    return result;
  }

  /** Closes every producer, the current one included, and waits for them. */
  async closeAll(): Promise<void> {
    this.current = undefined;
    this.currentSlot = undefined;
    const all = [...this.slots];
    this.slots.clear();
    await Promise.all(all.map((slot) => this.o.close(slot.producer)));
  }

  /** Producers not closed yet (for tests and metrics). */
  get open(): number {
    return this.slots.size;
  }

  private acquire(): Promise<ProducerSlot<P>> {
    this.current ??= this.o.open().then(
      (producer) => {
        const slot: ProducerSlot<P> = { producer, sends: 0, retired: false };
        this.slots.add(slot);
        this.currentSlot = slot;
        return slot;
      },
      (err: unknown) => {
        this.current = undefined; // the next send tries again
        throw err;
      },
    );
    return this.current;
  }

  private retire(slot: ProducerSlot<P>): void {
    if (!slot.retired) {
      slot.retired = true;
      if (this.currentSlot === slot) {
        this.currentSlot = undefined;
        this.current = undefined;
      }
    }
    this.closeIfDrained(slot); // also when the last of its sends just failed
  }

  private closeIfDrained(slot: ProducerSlot<P>): void {
    if (!slot.retired || slot.sends > 0 || !this.slots.delete(slot)) return;
    this.o.close(slot.producer).catch(this.o.onCloseError);
  }
}
