import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium (apt-get install chromium); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/** Runs the package's build script into a temp dir and returns the IIFE bundle's text. */
export function buildBrowserBundle(): string {
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "build-browser.mjs");
  const out = mkdtempSync(join(tmpdir(), "rlhf-bundle-"));
  try {
    execFileSync(process.execPath, [script, "--outdir", out], { stdio: ["ignore", "ignore", "inherit"] });
    return readFileSync(join(out, "rlhf-feedback.iife.js"), "utf8");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Headless Chromium with the flags this machine needs; null when it is not installed. */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(CHROMIUM_PATH)) return null;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}
