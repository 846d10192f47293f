// Reads the metadata our models carry (kind, config, vocabulary) back out of ONNX bytes.
import { fromBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema } from "./gen/onnx/onnx_subset_pb.js";

export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const m = fromBinary(ModelProtoSchema, bytes);
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
}
