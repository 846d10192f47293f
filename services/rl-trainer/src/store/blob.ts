// One blob per checkpoint for a bytea column: 4-byte manifest length, the manifest JSON, the data.
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from "@rlhf-loop/ml";

export function packCheckpoint(ck: Checkpoint): { bytes: Uint8Array; sha256: string } {
  const { manifest, data } = encodeCheckpoint(ck);
  const head = new TextEncoder().encode(JSON.stringify(manifest));
  const out = new Uint8Array(4 + head.length + data.length);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  out.set(data, 4 + head.length);
  return { bytes: out, sha256: manifest.sha256 };
}

export function unpackCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 4) throw new Error("checkpoint blob too short");
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + n > bytes.length) throw new Error("checkpoint blob: manifest length past the end");
  const manifest: unknown = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
  return decodeCheckpoint(manifest, bytes.slice(4 + n));
}
