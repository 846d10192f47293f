// The demo report's only stylesheet, inlined; system fonts only, so the page fetches nothing.

export const DEMO_STYLES = `
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --promote: #1a7f37; --hold: #f0a202; --reject: #cf222e; --flag-bg: #ffebe9; --alert-bg: #fff8e5; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; line-height: 1.25; margin: 2px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 0 0 4px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 4px; overflow-wrap: anywhere; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); border-radius: 4px; padding: 1px 4px; overflow-wrap: anywhere; }
.kicker { margin: 0; font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
.meta, .note { color: var(--muted); margin: 4px 0 12px; }
.section { margin-top: 36px; }
.headline { font-size: 16px; line-height: 1.55; background: var(--soft); border-left: 5px solid #2f6fde; border-radius: 6px; padding: 12px 18px; margin: 14px 0; }
.headline p { margin: 4px 0; }
.arm-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 14px; margin-top: 14px; }
.arm-card { border: 1px solid var(--line); border-top: 5px solid var(--arm, #57606a); border-radius: 8px; padding: 10px 14px; min-width: 0; }
.arm-card h3 { margin: 0 0 6px; }
.arm-card dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 14px; margin: 0 0 8px; }
.arm-card dt { color: var(--muted); }
.arm-card dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.arm-card .sub { font-weight: 400; color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; background: var(--arm, #57606a); }
.badge { display: inline-block; border-radius: 10px; padding: 0 9px; font-size: 12px; font-weight: 700; letter-spacing: .03em; text-transform: uppercase; color: #fff; white-space: nowrap; }
.badge-promote { background: var(--promote); }
.badge-hold { background: var(--hold); color: #2b1d00; }
.badge-reject { background: var(--reject); }
.badge-flagged { background: var(--reject); }
.badge-ok { background: #dafbe1; color: var(--promote); }
.badge-failed { background: var(--reject); }
.badge-skipped { background: #eaeef2; color: var(--muted); }
.decisions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.figure { margin: 10px 0 4px; }
.pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 24px; align-items: start; }
.pair > * { min-width: 0; }
.chart { display: block; width: 100%; max-width: 100%; height: auto; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.chart .grid { stroke: #eaeef2; }
.chart .axis { stroke: #8c959f; }
.chart .tick { stroke: #8c959f; }
.chart .tick-label { fill: var(--muted); font-size: 11px; }
.chart .axis-title { fill: var(--ink); font-size: 12px; font-weight: 600; }
.chart .legend, .chart .row-label { fill: var(--ink); font-size: 12px; }
.chart .bar-value { fill: var(--ink); font-size: 11px; }
.chart .marker-tag { fill: #fff; font-size: 11px; font-weight: 700; }
.chart-title { font-weight: 600; margin: 12px 0 0; }
.markers { list-style: none; padding: 0; margin: 8px 0; display: grid; gap: 4px; }
.markers li { display: flex; gap: 10px; align-items: baseline; }
.tag { flex: none; display: inline-block; min-width: 22px; text-align: center; border-radius: 9px; color: #fff; font-size: 11px; font-weight: 700; padding: 0 6px; }
.tag-promotion { background: var(--promote); }
.tag-event { background: #6e7781; }
table.data { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; margin-top: 8px; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
table.data code { overflow-wrap: normal; white-space: nowrap; }
table.data thead th { background: var(--soft); font-size: 12px; }
table.data td.num, table.data th.num { text-align: right; white-space: nowrap; }
table.data tr.flagged td { background: var(--flag-bg); }
table.data tr.flagged td.check-name { font-weight: 700; color: var(--reject); }
table.data tr.alert td { background: var(--alert-bg); }
table.data tr.total td { font-weight: 700; border-top: 2px solid var(--line); }
table.data td.model { background: #fff; }
table.data td.arm { white-space: nowrap; }
.reasons { margin: 0; padding-left: 18px; }
.reasons li { margin: 2px 0; }
.reason-code { font-weight: 700; }
.share-cell { width: 24%; white-space: nowrap; }
.share-track { display: inline-block; width: calc(100% - 56px); vertical-align: middle; }
.share-bar { display: block; height: 10px; min-width: 1px; border-radius: 3px; background: #2f6fde; }
.share-text { display: inline-block; width: 52px; text-align: right; color: var(--muted); font-size: 12px; }
.report-footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
@media print { .page { max-width: none; padding: 0; } .section { break-inside: auto; } .figure, tr { break-inside: avoid; } }
`;
