import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FeedbackSchema, InteractionSchema, ThumbDirectionSchema } from "@rlhf-loop/proto";
import { openApiDocument } from "./openapi.js";

type Obj = Record<string, unknown>;
const doc = openApiDocument({ maxBatchEvents: 1000, maxBodyBytes: 1 << 20, maxBatchBytes: 5 << 20 });
const schemas = (doc["components"] as Obj)["schemas"] as Record<string, Obj>;

describe("OpenAPI document", () => {
  it("documents every route of the contract with its success and error answers", () => {
    const paths = doc["paths"] as Record<string, { post: { responses: Obj } }>;
    assert.deepEqual(Object.keys(paths).sort(), ["/v1/events:batch", "/v1/feedback", "/v1/interactions", "/v1/outcomes"]);
    for (const p of Object.values(paths)) {
      assert.deepEqual(Object.keys(p.post.responses).sort(), ["200", "202", "400", "401", "403", "409", "413", "415", "429", "503"]);
    }
  });

  it("has one property per proto field (JSON names), closed to unknown fields", () => {
    for (const desc of [InteractionSchema, FeedbackSchema]) {
      const s = schemas[desc.name]!;
      assert.equal(s["additionalProperties"], false);
      assert.deepEqual(Object.keys(s["properties"] as Obj).sort(), desc.fields.map((f) => f.jsonName).sort());
    }
    assert.deepEqual(schemas["Interaction"]!["required"], ["interactionId", "prompt", "answer", "occurredAt"]);
    assert.equal(((schemas["Interaction"]!["properties"] as Obj)["eventId"] as Obj)["readOnly"], true);
  });

  it("lists enum values by name, from the descriptors", () => {
    assert.deepEqual(schemas["ThumbDirection"]!["enum"], ThumbDirectionSchema.values.map((v) => v.name));
  });

  it("resolves every $ref", () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "$ref" && typeof x === "string") refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    assert.ok(refs.length > 20);
    for (const r of refs) {
      const name = r.replace("#/components/schemas/", "");
      assert.ok(schemas[name], `unresolved ${r}`);
    }
  });
});
