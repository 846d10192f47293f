/** Small multi-panel line charts as SVG (time on x), and a PNG of it through headless Chromium when installed. */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function renderSvg(title: string, panels: Panel[], o: { width?: number; panelHeight?: number } = {}): string {
  const W = o.width ?? 900;
  const PH = o.panelHeight ?? 170;
  const left = 70;
  const right = 20;
  const top = 40;
  const gap = 40;
  const H = top + panels.length * (PH + gap) + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  const allX = panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q[0])));
  const xMax = niceMax(Math.max(1, ...allX));
  panels.forEach((panel, i) => {
    const y0 = top + i * (PH + gap) + 16;
    const ys = panel.series.flatMap((s) => s.points.map((q) => q[1])).filter(Number.isFinite);
    const yMax = niceMax(Math.max(0, ...ys) * 1.05);
    const x = (v: number) => left + (v / xMax) * (W - left - right);
    const y = (v: number) => y0 + PH - (v / yMax) * PH;
    parts.push(`<text x="${left}" y="${y0 - 6}" font-weight="bold">${esc(panel.title)} (${esc(panel.unit)})</text>`);
    parts.push(`<rect x="${left}" y="${y0}" width="${W - left - right}" height="${PH}" fill="none" stroke="#999"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = (yMax * k) / 4;
      parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
    }
    for (let k = 0; k <= 5; k++) {
      const v = (xMax * k) / 5;
      parts.push(`<text x="${x(v)}" y="${y0 + PH + 14}" text-anchor="middle">${Math.round(v)} s</text>`);
    }
    panel.series.forEach((s, j) => {
      const pts = s.points.filter((q) => Number.isFinite(q[1]));
      if (pts.length > 0) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${pts.map((q) => `${x(q[0]).toFixed(1)},${y(q[1]).toFixed(1)}`).join(" ")}"/>`);
      const lx = W - right - 180 + 0;
      parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${y0 + 12 + j * 14}" y2="${y0 + 12 + j * 14}" stroke="${s.color}" stroke-width="2"/>`);
      parts.push(`<text x="${lx + 24}" y="${y0 + 16 + j * 14}">${esc(s.label)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Renders the SVG to a PNG with headless Chromium; false when Chromium is not installed. */
export async function svgToPng(svg: string, pngPath: string): Promise<boolean> {
  const { launchChromium } = await import("@rlhf-loop/client/testing");
  const browser = await launchChromium();
  if (!browser) return false;
  try {
    const m = /width="(\d+)" height="(\d+)"/.exec(svg);
    const page = await browser.newPage({ viewport: { width: Number(m?.[1] ?? 900), height: Number(m?.[2] ?? 800) } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: pngPath, fullPage: true });
    return true;
  } finally {
    await browser.close();
  }
}
