import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

/**
 * Protobuf lets fields follow in any order, and a singular field that appears once is just
 * set. So the server-set fields of an event can be appended to the bytes of the client's
 * content: the content is encoded once, hashed for idempotency and published as is.
 */
export class TrailingFields {
  private readonly w = new BinaryWriter();

  string(fieldNo: number, value: string): this {
    if (value !== "") this.w.tag(fieldNo, WireType.LengthDelimited).string(value);
    return this;
  }

  timestamp(fieldNo: number, t: Timestamp): this {
    this.w.tag(fieldNo, WireType.LengthDelimited).fork();
    if (t.seconds !== 0n) this.w.tag(1, WireType.Varint).int64(t.seconds);
    if (t.nanos !== 0) this.w.tag(2, WireType.Varint).int32(t.nanos);
    this.w.join();
    return this;
  }

  /** `content` followed by the appended fields. */
  appendTo(content: Uint8Array): Uint8Array {
    const tail = this.w.finish();
    const out = new Uint8Array(content.length + tail.length);
    out.set(content, 0);
    out.set(tail, content.length);
    return out;
  }
}
