/**
 * Issue 8, "beyond the simulation": `rlhf run --feedback FILE` on a team's own exported feedback.
 * 1. The simulator's CSV export (one day, a few hundred chats) goes straight in: every row is sent
 *    through ingestion, labeling builds a snapshot, the reward service trains and diagnoses a model,
 *    RL is skipped (--no-rl) and the watch summary is printed; --out holds the dataset and summary.
 * 2. A malformed CSV: every bad row is named by line and column and the stack never starts.
 * 3. The same file with --skip-bad: exactly the good rows are ingested, and the steps the data
 *    cannot support (no pairs, too few answers, no held-out prompts) say so without failing.
 * Embedded Postgres is started by the command itself; no Kafka is needed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runFeedbackLoop, type RunLoopIo, type RunSummary } from "@rlhf-loop/cli/run-loop";
import { runSimExport } from "@rlhf-loop/sim";

const dir = mkdtempSync(join(tmpdir(), "rlhf-run-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): RunLoopIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}

const step = (s: RunSummary, prefix: string) => {
  const f = s.steps.find((x) => x.name.startsWith(prefix));
  assert.ok(f, `a step named "${prefix}..." in ${s.steps.map((x) => x.name).join(" | ")}`);
  return f;
};

test("the simulator's CSV export runs through the loop: snapshot, reward model with diagnostics, watch summary", { timeout: 180_000 }, async () => {
  const world = join(dir, "world.json");
  writeFileSync(world, JSON.stringify({ traffic: { interactionsPerDay: 400 } }));
  const exported = await runSimExport({ config: world, seed: "7", days: 1, fromDay: 0, format: "csv", out: join(dir, "sim"), truth: false, tail: false, quiet: true }, { stderr: { write: () => true } });
  assert.equal(exported.exitCode, 0);
  const counts = exported.result!.counts;

  const io = capture();
  const out = join(dir, "out");
  const r = await runFeedbackLoop({ feedback: join(dir, "sim", "events.csv"), format: "auto", rl: "off", rlSteps: 5, out, skipBad: false, seed: 7 }, io);
  const s = r.summary;
  assert.ok(s, io.err());
  assert.equal(s.format, "csv");
  assert.deepEqual(s.issues, [], "every row of the simulator's export is valid input");
  assert.equal(s.plan.interactions, counts.interaction);
  assert.equal(s.plan.feedback.thumb + s.plan.feedback.comparison + s.plan.feedback.rating, counts.feedback);
  assert.equal(s.plan.feedback.outcome, counts.outcome);

  const ingest = step(s, "ingestion");
  assert.equal(ingest.status, "ok", ingest.detail);
  assert.match(ingest.detail, new RegExp(`^${counts.interaction + counts.feedback + counts.outcome} events acknowledged`));
  assert.equal(step(s, "labeling: the experts' rubric").status, "ok", "the export has expert comparisons, so the rubric is published");

  assert.equal(step(s, "labeling: preference pairs").status, "ok");
  assert.ok(s.snapshot && s.snapshot.pairs > 0 && /^team@1$/.test(s.snapshot.datasetId), JSON.stringify(s.snapshot));

  const rm = s.rewardModel;
  assert.ok(rm, "a reward model was trained on the snapshot");
  assert.equal(rm.datasetId, s.snapshot.datasetId);
  assert.ok(rm.heldOutPairs > 0 && rm.trainPairs > 0);
  assert.ok(rm.heldOutLow <= rm.heldOutAccuracy && rm.heldOutAccuracy <= rm.heldOutHigh, JSON.stringify(rm));
  assert.ok(rm.checks.some((c) => c.name === "length_rule_accuracy"));
  const rewardStep = step(s, "reward model");
  assert.equal(rewardStep.status, rm.approved ? "ok" : "failed", rewardStep.detail);
  assert.match(rewardStep.detail, /held-out accuracy 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\] on \d+ pairs, length-only rule 0\.\d{3}/);
  assert.equal(r.exitCode, rm.approved ? 0 : 1, "exit 1 exactly when a step failed");

  assert.deepEqual([step(s, "RL").status, step(s, "RL").detail], ["skipped", "--no-rl"]);
  assert.equal(step(s, "canary:").status, "skipped");
  const watch = step(s, "production watch");
  assert.equal(watch.status, "ok", watch.detail);
  assert.ok(s.watch && s.watch.weeks.length === 1 && s.watch.weeks[0]!.weekStart === "2025-03-03", JSON.stringify(s.watch?.weeks));
  assert.ok(s.watch.weeks[0]!.thumbsUp + s.watch.weeks[0]!.thumbsDown > 0);

  // Printed: the diagnostics, the watch summary with the RLHF-fit verdict, what to do with your own model.
  const printed = io.out();
  assert.match(printed, /## Reward model[\s\S]*held-out accuracy[\s\S]*length-only rule/);
  assert.match(printed, /## Production watch[\s\S]*RLHF fit: (RLHF fits|mixed|fix knowledge|not enough reason codes)/);
  assert.match(printed, /rlhf dataset export --format trl\|openai-dpo\|hh/);
  assert.match(io.err(), /== reward model: training and diagnostics/);

  const trl = readFileSync(join(out, "dataset.trl.jsonl"), "utf8").trim().split("\n");
  assert.equal(trl.length, s.snapshot.pairs);
  const first = JSON.parse(trl[0]!) as { prompt: string; chosen: string; rejected: string; weight: number };
  assert.ok(first.prompt && first.chosen && first.rejected && first.weight > 0);
  const saved = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as RunSummary;
  assert.equal(saved.snapshot?.datasetId, s.snapshot.datasetId);
  assert.match(readFileSync(join(out, "summary.md"), "utf8"), /\| RL: the compact stand-in policy .* \| skipped \| --no-rl \|/);
});

const MALFORMED = [
  "interaction_id,conversation_id,prompt,answer,occurred_at,vote,reason_codes,user_id",
  "g1,conv-1,How do I reset my password?,Open Settings and choose Reset.,2025-03-03T10:00:00Z,up,,u1",
  "g2,conv-2,Where is my parcel?,It ships tomorrow.,2025-03-03T11:00:00Z,down,too_long,u2",
  "b1,conv-3,Cancel my plan,Done.,2025-03-03T12:00:00Z,sideways,,u3",
  "b2,conv-4,Refund?,No.,2025-02-30T09:00:00Z,down,made_up_code,u4",
  'b3,conv-5,"[{""role"":""robot"",""content"":""hi""}]",Hello.,2025-03-03T13:00:00Z,up,,u5',
  "b4,,,,2025-03-03T14:00:00Z,up,,u6",
  'b5,conv-6,"Unclosed quote,Answer,2025-03-03T15:00:00Z,up,,u7',
].join("\r\n") + "\r\n";

test("a malformed CSV: every bad row is named by line and column, and nothing is sent", { timeout: 30_000 }, async () => {
  const file = join(dir, "malformed.csv");
  writeFileSync(file, MALFORMED);
  const io = capture();
  let started = 0;
  const r = await runFeedbackLoop({ feedback: file, format: "csv", rl: "auto", rlSteps: 5, skipBad: false, seed: 7 }, io, {
    startStack: async () => {
      started++;
      throw new Error("the stack must not start when rows are bad");
    },
  });
  assert.equal(r.exitCode, 2);
  assert.equal(r.summary, undefined);
  assert.equal(started, 0, "nothing was started, so nothing was ingested");
  const err = io.err();
  for (const expected of [
    /line 4: vote: must be up, down/,
    /line 5: occurred_at: no such date: "2025-02-30T09:00:00Z"/,
    /line 5: reason_codes\[0\]: unknown reason code "made_up_code"/,
    /line 6: prompt\[0\]\.role: must be one of system, user, assistant, tool/,
    /line 7: interaction_id: no row in the file gives the prompt and answer of interaction b4/,
    /line 8: prompt: a quoted field is never closed/,
    /nothing was sent: fix the rows above, or pass --skip-bad to send the 2 good rows/,
  ]) assert.match(err, expected);
  assert.doesNotMatch(err, /line [23]:/, "the good rows are not reported");
  assert.equal(io.out(), "");
});

test("--skip-bad sends exactly the good rows; steps the data cannot support say why and do not fail", { timeout: 120_000 }, async () => {
  const file = join(dir, "malformed.csv");
  writeFileSync(file, MALFORMED);
  const io = capture();
  const r = await runFeedbackLoop({ feedback: file, format: "auto", rl: "auto", rlSteps: 5, skipBad: true, seed: 7 }, io);
  const s = r.summary;
  assert.ok(s, io.err());
  assert.equal(r.exitCode, 0, io.err());
  assert.equal(s.goodRows, 2);
  assert.deepEqual([...new Set(s.issues.map((i) => i.line))], [4, 5, 6, 7, 8]);
  assert.match(step(s, "ingestion").detail, /^4 events acknowledged \(2 answers, 2 feedback\)/);
  const snap = step(s, "labeling: preference pairs");
  assert.deepEqual([snap.status, /no preference pairs/.test(snap.detail)], ["not_possible", true], snap.detail);
  assert.equal(step(s, "reward model").status, "not_possible");
  const rl = step(s, "RL");
  assert.equal(rl.status, "not_possible");
  // conv-1 falls in the 1-in-20 canary holdout for tenant "team", so one answer is left for RL.
  assert.match(rl.detail, /the file has 1 logged \(prompt, answer\) pairs outside the canary holdout; rl-trainer needs at least 20/);
  assert.match(step(s, "canary:").detail, /no candidate policy[\s\S]*distinct prompts in held-out conversations/);
  assert.equal(step(s, "production watch").status, "ok");
  // The watch counted the two good answers and their two votes, nothing from the bad rows.
  assert.deepEqual(s.watch?.weeks.map((w) => [w.weekStart, w.questions, w.thumbsUp, w.thumbsDown, w.coded]), [["2025-03-03", 2, 1, 1, 1]]);
  assert.match(io.out(), /## Rows left out[\s\S]*line 4: vote/);
});
