// The growth plan: a leader marks a conversation held, starts the plan,
// adds a sideways step that the climbing wall shows, holds the first
// check-in, and the history shows what changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot, signIn as signInAs, useServer } from "./harness.mjs";

const app = useServer(["--demo"]);
const skip = app.skip;

const signIn = (email) => signInAs(app.browser, app.server.base, email);

test("plan from a held conversation, a sideways step on the wall, a check-in in the history", { skip: skip ?? false }, async () => {
  const kelly = await signIn("kelly.moore@meridian.example");
  const page = kelly.page;
  await page.goto(`${app.server.base}/conversations/new`);
  await page.getByLabel("With").selectOption({ label: "Priya Natarajan" });
  await page.getByRole("button", { name: "Schedule" }).click();
  await page.waitForURL(/\/conversations\/\d+$/);
  await page.getByRole("button", { name: "Mark as held" }).click();
  await page.getByRole("button", { name: "Start the growth plan" }).click();
  await page.waitForURL(/\/plans\/\d+\?saved=started/);
  const planUrl = page.url().split("?")[0];

  await page.getByLabel("Add a priority theme").fill("Research and discovery");
  await page.getByRole("button", { name: "Add the theme" }).click();
  await page.locator("summary", { hasText: "Add a step under Research and discovery" }).click();
  const form = page.locator("details.add-step form");
  await form.getByLabel("Move sideways").check();
  await form.getByLabel("What").fill("Two weeks with the research team");
  await form.getByLabel("How we will know").fill("Research asks Priya back");
  await form.getByLabel("Target quarter").selectOption({ index: 1 });
  await form.getByRole("button", { name: "Add the step" }).click();
  await page.waitForURL(/#step-\d+$/);

  // The wall draws the step sideways, and says so in words.
  const sideways = page.locator("svg .wall-move.wall-dir-sideways");
  assert.equal(await sideways.count(), 1);
  assert.match(await page.locator("svg").first().innerHTML(), /Two weeks with the research/);
  const words = await page.locator(".wall-text").textContent();
  assert.match(words, /sideways to another team or department: Two weeks with the research team/);
  await screenshot(page, "plan");

  // The first check-in: the step is done, with a note.
  await page.getByRole("link", { name: "Hold check-in 1" }).click();
  await page.waitForURL(/\/checkins\/1$/);
  await page.getByLabel("Status").selectOption("done");
  await page.getByLabel("Progress note").fill("Research wants Priya for the spring study");
  await page.getByLabel("What changed this quarter").fill("Priya found her next hold.");
  await page.getByRole("button", { name: "Record check-in 1" }).click();
  await page.waitForURL(/\/history\?from=start&to=1/);
  const diff = await page.locator("#difference").innerText();
  assert.match(diff, /Step added: Two weeks with the research team \(move sideways, quarter 2, done\)/);
  assert.match(await page.locator("ol.changes").innerText(), /Check-in 1/);

  // Priya sees the same plan, with the check-in held and the step done on her wall.
  const priya = await signIn("priya.natarajan@meridian.example");
  await priya.page.goto(planUrl);
  assert.match(await priya.page.locator("h1").innerText(), /Your growth plan/);
  assert.equal(await priya.page.locator("svg .wall-move.wall-dir-sideways.wall-status-done").count(), 1);
  assert.match(await priya.page.locator("#checkins").innerText(), /Check-in 1[\s\S]*Held/);

  assert.deepEqual(kelly.errors, []);
  assert.deepEqual(priya.errors, []);
  await kelly.ctx.close();
  await priya.ctx.close();
});
