// Starts the real foothold binary on a free port with its own data folder,
// and real headless Chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
// Where `cargo build` put the binary: CARGO_TARGET_DIR when set (relative to the root), else target/.
const targetDir = resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
export const BIN = process.env.FOOTHOLD_BIN ?? join(targetDir, "debug/foothold");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether a browser run is possible; in CI a missing browser is a failure, not a skip. */
export function browserMissing() {
  if (existsSync(CHROMIUM)) return null;
  const why = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env.CI === "true") throw new Error(why);
  return why;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** A running server; `lines` holds what it printed on stdout. */
export async function startServer(args = [], env = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "foothold-browser-"));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ["serve", ...args], {
    env: {
      ...process.env,
      FOOTHOLD_ADDR: `127.0.0.1:${port}`,
      FOOTHOLD_DATA_DIR: dataDir,
      FOOTHOLD_BASE_URL: base,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  child.stdout.setEncoding("utf8").on("data", (d) => lines.push(...d.split("\n")));
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`foothold exited: ${stderr}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`foothold did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    lines,
    async waitForLine(needle) {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const hit = lines.find((l) => l.includes(needle));
        if (hit) return hit.trim();
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`never printed ${needle}; got ${lines.join("\n")}`);
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

// Answers a test provokes on purpose (a conflict, a used link, a refused
// file) are logged by Chromium as console errors; tests assert those
// statuses themselves. Anything else (404 asset, 403, 500, CSP) counts.
const DELIBERATE = /^Failed to load resource: the server responded with a status of (409|410|422) /;

/** Collects console errors and uncaught page errors (CSP violations show up here). */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !DELIBERATE.test(m.text())) errors.push(m.text());
  });
  return errors;
}

/** A new browser context signed in as `email`; console errors and dialogs are collected. */
export async function signIn(browser, base, email, password = "climbing-wall-demo") {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  page.on("dialog", (d) => {
    errors.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  return { ctx, page, errors };
}

/** Saves a full-page screenshot when FOOTHOLD_SCREENSHOTS names a folder (for the README). */
export async function screenshot(page, name) {
  const dir = process.env.FOOTHOLD_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/**
 * Registers the hooks every browser test file needs: one server (with `args`)
 * and one Chromium for the file, both stopped afterwards. `app.skip` is the
 * reason to skip when no browser exists outside CI.
 */
export function useServer(args = []) {
  const app = { skip: browserMissing(), server: null, browser: null };
  before(async () => {
    if (app.skip) return;
    app.server = await startServer(args);
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.stop();
  });
  return app;
}
