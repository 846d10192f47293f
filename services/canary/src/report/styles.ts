// The page's only stylesheet, inlined. System fonts only: nothing is fetched.

export const STYLES = `
:root { --prod: #4c78a8; --cand: #e8590c; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa;
  --good: #1a7f37; --good-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --shift: #7d4e00; --shift-bg: #fff1c7; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #fff; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 24px; margin: 2px 0 0; font-weight: 600; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 0 0 6px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 2px; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.section { margin-top: 32px; break-inside: auto; }
.section-note, .group-note { color: var(--muted); margin: 4px 0 10px; }
.report-header .title-row { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); font-weight: 600; }
.vs { color: var(--muted); font-weight: 400; margin: 0 4px; }
.side-tag { display: inline-block; font-size: 12px; font-weight: 600; color: #fff; border-radius: 4px; padding: 1px 6px; vertical-align: 3px; }
.side-tag.production { background: var(--prod); }
.side-tag.candidate { background: var(--cand); }
.decision { flex: none; min-width: 220px; border-radius: 12px; padding: 12px 24px; text-align: center; color: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
.decision-label { display: block; font-size: 12px; text-transform: uppercase; letter-spacing: .1em; opacity: .9; }
.decision-value { display: block; font-size: 40px; line-height: 1.1; font-weight: 800; letter-spacing: .04em; text-transform: uppercase; }
.decision.decision-promote { background: #1a7f37; }
.decision.decision-hold { background: #f0a202; color: #2b1d00; }
.decision.decision-reject { background: #cf222e; }
.facts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px 24px; margin: 18px 0 14px; padding: 12px 16px; background: var(--bg); border-radius: 8px; }
.facts div { min-width: 0; }
.facts dt { font-size: 12px; color: var(--muted); }
.facts dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.decision-detail { border-left: 6px solid; padding: 8px 16px; border-radius: 4px; }
.decision-detail.decision-promote { border-color: #1a7f37; background: #f0fbf3; }
.decision-detail.decision-hold { border-color: #f0a202; background: #fff8e5; }
.decision-detail.decision-reject { border-color: #cf222e; background: #fff2f1; }
.decision-hint { margin: 0 0 4px; font-weight: 500; }
.reasons-title { font-size: 14px; border: 0; margin: 8px 0 2px; padding: 0; }
.reasons { margin: 4px 0; padding-left: 22px; }
.reasons li { margin: 3px 0; }
.reason-code { font-weight: 700; }
.reason-metrics code { font-size: 11px; color: var(--muted); }
.figure { margin: 8px 0; }
.chart { display: block; max-width: 100%; height: auto; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.chart .grid { stroke: #eaeef2; stroke-width: 1; }
.chart .axis { stroke: #8c959f; stroke-width: 1; }
.chart .tick { stroke: #8c959f; }
.chart .tick-label { fill: var(--muted); font-size: 11px; }
.chart .axis-title { fill: var(--ink); font-size: 12px; font-weight: 600; }
.chart .legend { fill: var(--ink); font-size: 13px; }
.chart .row-label { fill: var(--ink); font-size: 12px; }
.chart .value { font-size: 12px; font-weight: 700; }
.chart .median { stroke-width: 1.5; stroke-dasharray: 5 3; }
.chart .median-label { font-size: 11px; font-weight: 600; }
.chart .reference { stroke: #57606a; stroke-dasharray: 3 3; }
.histogram .bar { opacity: .9; }
.length-footer { display: flex; gap: 32px; align-items: flex-start; flex-wrap: wrap; }
.length-stats { border-collapse: collapse; }
.length-stats th, .length-stats td { padding: 3px 12px 3px 0; text-align: right; }
.length-stats th:first-child { text-align: left; }
.length-summary { margin: 4px 0; max-width: 640px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.swatch.production { background: var(--prod); }
.swatch.candidate { background: var(--cand); }
.panels { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
.panel { margin: 0; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; break-inside: avoid; }
.panel figcaption { font-weight: 600; margin-bottom: 2px; }
.panel .metric-name, .intent-table th .metric-name { display: table; margin-top: 2px; font-weight: 400; font-size: 11px; color: var(--muted); white-space: nowrap; }
.delta-line { margin: 2px 0 0; font-size: 13px; }
.test-line { margin: 0; font-size: 12px; color: var(--muted); }
.delta { font-weight: 700; padding: 0 4px; border-radius: 4px; }
.interval { color: var(--ink); }
.sig-good { background: var(--good-bg); color: var(--good); }
.sig-bad { background: var(--bad-bg); color: var(--bad); }
.sig-shift { background: var(--shift-bg); color: var(--shift); }
span.sig-good, span.sig-bad, span.sig-shift { padding: 0 4px; border-radius: 4px; font-weight: 600; }
table { font-variant-numeric: tabular-nums; }
.intent-table, .all-metrics { width: 100%; border-collapse: collapse; }
.intent-table th, .intent-table td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
.intent-table thead th { font-size: 12px; background: var(--bg); }
.intent-table tbody th { font-weight: 500; white-space: nowrap; }
.intent-table tr { break-inside: avoid; }
.intent-table .all-row { background: #fafbfc; border-bottom: 2px solid var(--line); }
.intent-table td .main { display: block; font-weight: 600; }
.intent-table td .sub { display: block; font-size: 11px; color: var(--muted); white-space: nowrap; }
.intent-table td.sig .sub { color: inherit; opacity: .85; }
.intent-table td.missing { color: var(--muted); }
.num { text-align: right; white-space: nowrap; }
.all-metrics { font-size: 12px; }
.all-metrics th, .all-metrics td { border-bottom: 1px solid #eaeef2; padding: 3px 6px; text-align: left; }
.all-metrics th { background: var(--bg); }
.all-metrics td.num { text-align: right; }
.all-metrics tr { break-inside: avoid; }
.all-metrics code { white-space: nowrap; }
.all-metrics tr.intent-start td { border-top: 2px solid var(--line); }
.examples { display: grid; gap: 14px; }
.example { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; break-inside: avoid; }
.example-head { margin: 0 0 6px; }
.intent-tag { display: inline-block; background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; overflow-wrap: anywhere; }
.answer-label { display: block; font-size: 12px; font-weight: 600; color: var(--muted); }
.prompt { margin-bottom: 8px; }
.answers { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.answer { border-left: 4px solid; padding: 2px 10px; }
.answer.production { border-color: var(--prod); }
.answer.candidate { border-color: var(--cand); }
.text { margin: 2px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.report-footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media (max-width: 900px) { .panels { grid-template-columns: repeat(2, minmax(0, 1fr)); } .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); } .answers { grid-template-columns: 1fr; } }
@media print { .page { max-width: none; padding: 0; } .section { margin-top: 20px; } }
@page { margin: 12mm; }
`;
