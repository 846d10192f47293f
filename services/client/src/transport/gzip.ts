/** True where the platform ships CompressionStream (Node 18+, current browsers). */
export function canGzip(): boolean {
  return typeof globalThis.CompressionStream === "function";
}

/** Gzips a string with the platform's CompressionStream (no Node built-ins, works in browsers). */
export async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
