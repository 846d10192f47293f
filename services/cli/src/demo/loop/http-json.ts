// JSON over HTTP for the scenario: errors carry the service's message and field paths.
export async function httpJson(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  if (!res.ok) {
    const e = (json["error"] ?? {}) as { message?: string; fields?: { path: string; reason: string }[] };
    throw new Error(`${method} ${url}: HTTP ${res.status} ${e.message ?? text}${(e.fields ?? []).map((f) => `; ${f.path}: ${f.reason}`).join("")}`);
  }
  return json;
}

/** `authorization: Bearer <key>` as a header object. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
