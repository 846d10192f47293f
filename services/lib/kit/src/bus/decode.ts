import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { TYPE_HEADER } from "@rlhf-loop/proto";
import { AppError } from "../errors/app-error.js";
import type { BusRecord } from "./types.js";

/**
 * Decodes a record's value as `schema`. A wrong `type` header or undecodable bytes throw a
 * non-retriable AppError, so the consumer sends the record to the DLQ at once.
 */
export function decodeRecord<Desc extends DescMessage>(record: BusRecord, schema: Desc): MessageShape<Desc> {
  const type = record.headers[TYPE_HEADER];
  if (type !== undefined && type !== schema.typeName) {
    throw new AppError("invalid_argument", `record type ${JSON.stringify(type)} is not ${schema.typeName}`, {
      retriable: false,
    });
  }
  try {
    return fromBinary(schema, record.value);
  } catch (err) {
    throw new AppError("invalid_argument", `cannot decode ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`, {
      retriable: false,
      cause: err,
    });
  }
}
