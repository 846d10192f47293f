/**
 * The expert review page: one self-contained HTML document (no build step, no external
 * assets). The expert logs in with their key (kept in sessionStorage only), sees the rubric,
 * the prompt and the two answers side by side, ticks the checklist and picks the better
 * answer with the keyboard. It talks to the JSON API under /v1/review.
 */
export const REVIEW_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rlhf-loop · expert review</title>
<style>
  :root { --fg:#1b1f24; --muted:#5b6570; --line:#d8dee4; --accent:#0b5fff; --ok:#137333; --bad:#b3261e; --bg:#f6f8fa; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
  header { display:flex; gap:1rem; align-items:center; padding:.6rem 1rem; background:#fff; border-bottom:1px solid var(--line); }
  header h1 { font-size:1rem; margin:0; }
  header .who { margin-left:auto; color:var(--muted); }
  main { padding:1rem; max-width:1200px; margin:0 auto; }
  .card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; margin-bottom:1rem; }
  #login { max-width:420px; margin:4rem auto; }
  #login input { width:100%; padding:.5rem; font:inherit; margin:.5rem 0; }
  button { font:inherit; padding:.4rem .9rem; border-radius:6px; border:1px solid var(--line); background:#fff; cursor:pointer; }
  button.primary { background:var(--accent); color:#fff; border-color:var(--accent); }
  .answers { display:grid; grid-template-columns:1fr 1fr; gap:1rem; }
  .answer { white-space:pre-wrap; min-height:6rem; }
  .answer.chosen { outline:3px solid var(--ok); }
  .answer h3, .card h2 { margin:0 0 .4rem; font-size:.95rem; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
  .msg { white-space:pre-wrap; margin:.2rem 0; }
  .msg b { color:var(--muted); font-weight:600; margin-right:.4rem; }
  table.checklist { width:100%; border-collapse:collapse; }
  table.checklist td, table.checklist th { padding:.35rem .5rem; border-bottom:1px solid var(--line); text-align:left; }
  table.checklist td.c { text-align:center; width:5rem; }
  table.checklist tr.current { background:#eef4ff; }
  .choices { display:flex; gap:.5rem; align-items:center; }
  .choices .sel { background:var(--accent); color:#fff; border-color:var(--accent); }
  kbd { border:1px solid var(--line); border-bottom-width:2px; border-radius:4px; padding:0 .3rem; font-size:.85em; background:#fff; color:var(--fg); }
  #status { min-height:1.4rem; }
  #status.error { color:var(--bad); }
  #status.ok { color:var(--ok); }
  .legend { color:var(--muted); font-size:.9em; }
  [hidden] { display:none !important; }
</style>
</head>
<body>
<header><h1>Expert review</h1><span id="rubric-badge"></span><span class="who" id="who"></span></header>
<main>
  <form id="login" class="card" autocomplete="off">
    <h2>Log in</h2>
    <label for="key">Your expert key</label>
    <input id="key" name="key" type="password" placeholder="lbk_..." required>
    <button class="primary" id="login-button" type="submit">Log in</button>
    <p id="login-error" class="legend"></p>
  </form>
  <section id="app" hidden>
    <div class="card" id="rubric"><h2>Rubric <span id="rubric-version"></span></h2><div id="rubric-title"></div><div id="rubric-instructions" class="legend"></div></div>
    <div id="empty" class="card" hidden>No task is waiting for you right now. <button id="refresh" type="button">Check again</button> <span class="legend">(<kbd>r</kbd>)</span></div>
    <div id="task" hidden>
      <div class="card"><h2>Prompt</h2><div id="prompt"></div></div>
      <div class="answers">
        <div class="card answer" id="answer-a-card"><h3>Answer A</h3><div id="answer-a"></div></div>
        <div class="card answer" id="answer-b-card"><h3>Answer B</h3><div id="answer-b"></div></div>
      </div>
      <div class="card">
        <h2>Checklist</h2>
        <table class="checklist"><thead><tr><th>Criterion</th><th class="c">A meets</th><th class="c">B meets</th></tr></thead><tbody id="criteria"></tbody></table>
      </div>
      <div class="card choices">
        <strong>Better answer:</strong>
        <button type="button" data-choice="a" id="choose-a">A <kbd>1</kbd></button>
        <button type="button" data-choice="b" id="choose-b">B <kbd>2</kbd></button>
        <button type="button" data-choice="tie" id="choose-tie">Tie <kbd>3</kbd></button>
        <button type="button" class="primary" id="submit">Submit <kbd>Enter</kbd></button>
      </div>
      <p class="legend">Keys: <kbd>↑</kbd>/<kbd>↓</kbd> pick a criterion, <kbd>a</kbd>/<kbd>b</kbd> tick it for answer A/B, <kbd>1</kbd> A better, <kbd>2</kbd> B better, <kbd>3</kbd> tie, <kbd>Enter</kbd> submit.</p>
    </div>
    <div id="status" role="status"></div>
  </section>
</main>
<script>
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let key = sessionStorage.getItem("rlhf-review-key") || "";
  let task = null, rubric = null, choice = null, current = 0, checks = [];

  async function api(method, path, body) {
    const res = await fetch(path, { method, headers: Object.assign({ authorization: "Bearer " + key }, body ? { "content-type": "application/json" } : {}), body: body ? JSON.stringify(body) : undefined });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) { const e = new Error((data.error && data.error.message) || res.statusText); e.status = res.status; throw e; }
    return data;
  }
  function status(text, kind) { const s = $("status"); s.textContent = text; s.className = kind || ""; }
  function text(el, t) { el.textContent = t; }

  async function login(k) {
    key = k;
    const me = await api("GET", "/v1/review/me");
    sessionStorage.setItem("rlhf-review-key", key);
    text($("who"), me.raterId + " (" + me.role + ")");
    $("login").hidden = true; $("app").hidden = false;
    await next();
  }

  function renderRubric() {
    text($("rubric-version"), rubric.version);
    text($("rubric-badge"), "rubric " + rubric.version);
    text($("rubric-title"), rubric.title);
    text($("rubric-instructions"), rubric.instructions);
  }

  function renderChecklist() {
    const body = $("criteria"); body.textContent = "";
    rubric.criteria.forEach((c, i) => {
      const tr = document.createElement("tr"); tr.dataset.criterion = c.name; if (i === current) tr.className = "current";
      const name = document.createElement("td"); name.textContent = (i + 1) + ". " + c.description; tr.appendChild(name);
      ["aMet", "bMet"].forEach((side) => {
        const td = document.createElement("td"); td.className = "c";
        const box = document.createElement("input"); box.type = "checkbox"; box.checked = checks[i][side]; box.dataset.side = side;
        box.addEventListener("change", () => { checks[i][side] = box.checked; });
        td.appendChild(box); tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function renderChoice() {
    document.querySelectorAll("[data-choice]").forEach((b) => b.classList.toggle("sel", b.dataset.choice === choice));
    $("answer-a-card").classList.toggle("chosen", choice === "a");
    $("answer-b-card").classList.toggle("chosen", choice === "b");
  }

  async function next() {
    status("Loading the next task…");
    const data = await api("GET", "/v1/review/next");
    rubric = data.rubric; task = data.task; choice = null; current = 0;
    renderRubric();
    if (!task) { $("task").hidden = true; $("empty").hidden = false; status(""); return; }
    checks = rubric.criteria.map(() => ({ aMet: false, bMet: false }));
    $("empty").hidden = true; $("task").hidden = false;
    const p = $("prompt"); p.textContent = "";
    task.prompt.forEach((m) => { const d = document.createElement("div"); d.className = "msg"; const b = document.createElement("b"); b.textContent = m.role; d.appendChild(b); d.appendChild(document.createTextNode(m.content)); p.appendChild(d); });
    text($("answer-a"), task.answerA); text($("answer-b"), task.answerB);
    renderChecklist(); renderChoice();
    status("Task " + task.taskId.slice(0, 12) + " · judge under rubric " + task.rubricVersion);
  }

  async function submit() {
    if (!task) return;
    if (!choice) { status("Pick the better answer first (1, 2 or 3).", "error"); return; }
    const body = { taskId: task.taskId, choice, rubricVersion: task.rubricVersion, criteria: rubric.criteria.map((c, i) => ({ criterion: c.name, aMet: checks[i].aMet, bMet: checks[i].bMet })) };
    try {
      await api("POST", "/v1/review/judgments", body);
      status("Saved.", "ok");
      await next();
      status("Saved. Next task loaded.", "ok");
    } catch (e) {
      if (e.status === 412) { status(e.message, "error"); await next(); status("The rubric changed: " + e.message, "error"); }
      else status("Not saved: " + e.message, "error");
    }
  }

  $("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    login($("key").value.trim()).catch((e) => { text($("login-error"), "Login failed: " + e.message); sessionStorage.removeItem("rlhf-review-key"); });
  });
  document.querySelectorAll("[data-choice]").forEach((b) => b.addEventListener("click", () => { choice = b.dataset.choice; renderChoice(); }));
  $("submit").addEventListener("click", () => void submit());
  $("refresh").addEventListener("click", () => void next());

  document.addEventListener("keydown", (ev) => {
    if ($("app").hidden || ev.target instanceof HTMLInputElement && ev.target.type !== "checkbox" || ev.target instanceof HTMLTextAreaElement) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (!task) { if (ev.key === "r") void next(); return; }
    const n = rubric.criteria.length;
    switch (ev.key) {
      case "ArrowDown": current = (current + 1) % n; renderChecklist(); break;
      case "ArrowUp": current = (current + n - 1) % n; renderChecklist(); break;
      case "a": case "A": checks[current].aMet = !checks[current].aMet; renderChecklist(); break;
      case "b": case "B": checks[current].bMet = !checks[current].bMet; renderChecklist(); break;
      case "1": choice = "a"; renderChoice(); break;
      case "2": choice = "b"; renderChoice(); break;
      case "3": choice = "tie"; renderChoice(); break;
      case "Enter": void submit(); break;
      default: return;
    }
    ev.preventDefault();
  });

  if (key) login(key).catch(() => { sessionStorage.removeItem("rlhf-review-key"); key = ""; });
})();
</script>
</body>
</html>
`;
