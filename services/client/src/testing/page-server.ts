// Serves a test page with the browser bundle and forwards the client's batches to an upstream
// ingestion URL, adding the API key: the "proxy through your backend" setup the README shows,
// so the tenant key never reaches the browser (and the page stays same-origin, no CORS).
import { createServer, type Server } from "node:http";

export interface WidgetPageOptions {
  /** Ingestion base URL the batches are forwarded to. */
  upstream: string;
  apiKey: string;
  /** The IIFE bundle text (dist/browser/rlhf-feedback.iife.js), served at /rlhf-feedback.iife.js. */
  bundle: string;
  html: string;
}

export interface WidgetPage {
  readonly url: string;
  readonly forwarded: { status: number; events: number }[];
  close(): Promise<void>;
}

export interface TestWidget {
  id: string;
  interactionId: string;
  /** true: the reason picker with every code; a string: the codes listed. */
  reasons?: true | string;
}

const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** A page with the given widgets, a client posting to this origin, and hooks for the test. */
export function widgetTestPage(widgets: readonly TestWidget[]): string {
  const tags = widgets
    .map((w) => {
      const reasons = w.reasons === undefined ? "" : w.reasons === true ? " reasons" : ` reasons="${escapeAttr(w.reasons)}"`;
      return `<p>Answer for ${escapeAttr(w.interactionId)}</p>\n<rlhf-thumbs id="${escapeAttr(w.id)}" interaction-id="${escapeAttr(w.interactionId)}"${reasons}></rlhf-thumbs>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rlhf-thumbs test</title></head>
<body>
<button id="before">before</button>
${tags}
<script src="/rlhf-feedback.iife.js"></script>
<script>
  window.__errors = []; window.__events = [];
  const client = new RlhfFeedback.FeedbackClient({ url: location.origin, flushIntervalMs: 100,
    onError: (e) => window.__errors.push(e.code + ": " + e.message) });
  RlhfFeedback.defineRlhfThumbs(client);
  window.__client = client;
  document.addEventListener("rlhf-feedback", (e) => window.__events.push(e.detail));
</script>
</body></html>`;
}

export async function startWidgetPage(options: WidgetPageOptions): Promise<WidgetPage> {
  const forwarded: { status: number; events: number }[] = [];
  const upstream = options.upstream.replace(/\/+$/, "");
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/" || req.url?.startsWith("/?"))) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(options.html);
    }
    if (req.method === "GET" && req.url === "/rlhf-feedback.iife.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      return void res.end(options.bundle);
    }
    if (req.method === "POST" && req.url === "/v1/events:batch") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers: Record<string, string> = {
          authorization: `Bearer ${options.apiKey}`,
          "content-type": String(req.headers["content-type"] ?? "application/json"),
        };
        if (req.headers["content-encoding"]) headers["content-encoding"] = String(req.headers["content-encoding"]);
        fetch(`${upstream}/v1/events:batch`, { method: "POST", headers, body: Buffer.concat(chunks) })
          .then(async (up) => {
            const text = await up.text();
            let events = 0;
            try {
              events = (JSON.parse(text) as { results?: unknown[] }).results?.length ?? 0;
            } catch {
              // error bodies carry no results
            }
            forwarded.push({ status: up.status, events });
            const h: Record<string, string> = { "content-type": up.headers.get("content-type") ?? "application/json" };
            const ra = up.headers.get("retry-after");
            if (ra) h["retry-after"] = ra;
            res.writeHead(up.status, h);
            res.end(text);
          })
          .catch(() => {
            forwarded.push({ status: 502, events: 0 });
            res.writeHead(502, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: { code: "unavailable", message: "upstream unreachable" } }));
          });
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = addr && typeof addr === "object" ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
