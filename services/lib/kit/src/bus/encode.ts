import { toBinary, type DescMessage } from "@bufbuild/protobuf";
import { TYPE_HEADER } from "@rlhf-loop/proto";
import type { PublishMessage, RawMessage } from "./types.js";

/** Protobuf messages as records: binary values, with the `type` header naming the message. */
export function encodeForPublish<Desc extends DescMessage>(schema: Desc, messages: readonly PublishMessage<Desc>[]): RawMessage[] {
  return messages.map((m) => ({ key: m.key, value: toBinary(schema, m.message), headers: { ...m.headers, [TYPE_HEADER]: schema.typeName } }));
}
