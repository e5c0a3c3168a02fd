// The seed's conversation end to end: the leader schedules → the report
// prepares (autosave), reloads and finds every word → shares → the leader
// reads the answers and writes notes → held. Plus a two-tab conflict and a
// script payload that must stay text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot, signIn as signInAs, useServer, watchErrors } from "./harness.mjs";

const app = useServer(["--demo"]);
const skip = app.skip;
const PASSWORD = "climbing-wall-demo";

const signIn = (email) => signInAs(app.browser, app.server.base, email);

const ANSWERS = [
  "The two weeks rebuilding checkout with Marco — we sat together and shipped it. 🎉",
  "Getting the new type scale adopted across all three apps.",
  "The onboarding redesign was shelved twice.",
  "Sweating the details of micro-interactions; مرحبا and 你好 both render.",
  "Pairing live in the browser with an engineer.",
  "Review meetings where nobody decides.",
  "Design systems.",
  "Our component library.",
  "Deciding what goes into the design system.",
];

test("schedule, prepare with autosave, share, read, notes, held", { skip: skip ?? false }, async () => {
  const kelly = await signIn("kelly.moore@meridian.example");
  await kelly.page.getByRole("link", { name: "Conversations", exact: true }).click();
  const priyaRow = kelly.page.locator("tr", { hasText: "Priya Natarajan" });
  await priyaRow.getByRole("link", { name: "Schedule" }).click();
  await kelly.page.getByLabel("Date").fill("2030-03-12");
  await kelly.page.getByLabel("Time", { exact: true }).fill("14:30");
  await kelly.page.getByLabel("Time zone").fill("Europe/London");
  await kelly.page.getByLabel("Look back over the past").fill("3");
  await kelly.page.getByLabel("A note for them").fill("Come as you are: this is about you.");
  await kelly.page.getByRole("button", { name: "Schedule" }).click();
  await kelly.page.waitForURL(/\/conversations\/\d+$/);
  const url = kelly.page.url();
  assert.match(await kelly.page.locator("h1").innerText(), /Career conversation with Priya Natarajan/);
  assert.match(await kelly.page.locator(".lead").innerText(), /Tue 12 Mar 2030, 14:30 \(Europe\/London\)/);
  assert.match(await kelly.page.locator("main").innerText(), /has not shared any answers yet/);

  const priya = await signIn("priya.natarajan@meridian.example");
  await priya.page.getByRole("link", { name: /Prepare for your conversation on Tue 12 Mar 2030/ }).click();
  await priya.page.waitForURL(url);
  assert.match(await priya.page.locator("main").innerText(), /Reflecting on the past three months, when have you felt most engaged\?/);
  const areas = priya.page.locator("textarea[name^=answer-]");
  assert.equal(await areas.count(), 9);
  for (let i = 0; i < 9; i++) {
    await areas.nth(i).fill(ANSWERS[i]);
  }
  await areas.nth(8).blur();
  // Every answer says it is saved before we leave.
  for (let i = 0; i < 9; i++) {
    await priya.page.locator(".answer").nth(i).locator(".save-state", { hasText: "Saved" }).waitFor();
  }

  // The leader sees nothing of the drafts.
  await kelly.page.reload();
  const leaderText = await kelly.page.locator("main").innerText();
  for (const a of ANSWERS) assert.ok(!leaderText.includes(a), `draft leaked: ${a}`);

  await priya.page.reload();
  for (let i = 0; i < 9; i++) {
    assert.equal(await areas.nth(i).inputValue(), ANSWERS[i], `answer ${i} after reload`);
  }
  await priya.page.getByRole("button", { name: "Save and share all answers" }).click();
  await priya.page.getByText("Shared.", { exact: true }).waitFor();
  assert.equal(await priya.page.locator(".answer.is-shared").count(), 9);
  await screenshot(priya.page, "prepare");

  // Take one back: the leader must not see it.
  await priya.page.locator("#q-" + (await areas.nth(5).getAttribute("id")).split("-")[1]).getByRole("button", { name: "Take back" }).click();
  await priya.page.getByText("Taken back").waitFor();

  await kelly.page.reload();
  const shared = await kelly.page.locator("main").innerText();
  for (const [i, a] of ANSWERS.entries()) {
    if (i === 5) assert.ok(!shared.includes(a), "a taken-back answer is hidden");
    else assert.ok(shared.includes(a), `shared answer missing: ${a}`);
  }
  assert.match(shared, /Leader's guide/);
  await screenshot(kelly.page, "leader-view");
  assert.match(shared, /step sideways/);

  await kelly.page.getByRole("textbox", { name: "Shared notes" }).fill("Theme: craft and collaboration. Next: own the design system.");
  await kelly.page.getByRole("textbox", { name: "Private notes" }).fill("Ask Daniel about a rotation into Engineering.");
  await kelly.page.getByRole("textbox", { name: "Private notes" }).blur();
  await kelly.page.locator("section", { hasText: "Your private notes" }).locator(".save-state", { hasText: "Saved" }).waitFor();
  await kelly.page.locator("section", { hasText: "Shared notes" }).locator(".save-state", { hasText: "Saved" }).waitFor();

  await priya.page.reload();
  assert.equal(await priya.page.getByRole("textbox", { name: "Shared notes" }).inputValue(), "Theme: craft and collaboration. Next: own the design system.");
  assert.ok(!(await priya.page.locator("main").innerText()).includes("rotation into Engineering"), "private notes stay private");

  await kelly.page.getByRole("button", { name: "Mark as held" }).click();
  await kelly.page.getByText("Marked as held.").waitFor();
  await priya.page.reload();
  assert.match(await priya.page.locator("main").innerText(), /this conversation has been held/);
  assert.equal(await areas.first().getAttribute("readonly"), "");

  assert.deepEqual(kelly.errors, []);
  assert.deepEqual(priya.errors, []);
  await kelly.ctx.close();
  await priya.ctx.close();
});

test("two tabs editing the same answer: nothing is overwritten", { skip: skip ?? false }, async () => {
  // Kelly schedules with Marco.
  const kelly = await signIn("kelly.moore@meridian.example");
  await kelly.page.goto(`${app.server.base}/conversations`);
  await kelly.page.locator("tr", { hasText: "Marco Rossi" }).getByRole("link", { name: "Schedule" }).click();
  await kelly.page.getByRole("button", { name: "Schedule" }).click();
  await kelly.page.waitForURL(/\/conversations\/\d+$/);
  const url = kelly.page.url();
  await kelly.ctx.close();

  // Marco has no password in the demo: the admin sends him a fresh invite link.
  const admin = await signIn("morgan.reyes@meridian.example");
  await admin.page.goto(`${app.server.base}/people`);
  await admin.page.getByRole("link", { name: "Marco Rossi" }).click();
  await admin.page.getByRole("button", { name: /New invite link|New password link/ }).click();
  const link = await admin.page.locator("#invite-link").inputValue();
  await admin.ctx.close();

  const ctx = await app.browser.newContext();
  const tabA = await ctx.newPage();
  const errors = watchErrors(tabA);
  await tabA.goto(link);
  await tabA.getByLabel("New password").fill(PASSWORD);
  await tabA.getByLabel("Repeat it").fill(PASSWORD);
  await tabA.getByRole("button", { name: "Set password and sign in" }).click();
  await tabA.waitForURL(`${app.server.base}/`);
  await tabA.goto(url);
  const tabB = await ctx.newPage();
  await tabB.goto(url);

  const first = (p) => p.locator("textarea[name^=answer-]").first();
  await first(tabA).fill("Written in tab A.");
  await first(tabA).blur();
  await tabA.locator(".answer").first().locator(".save-state", { hasText: "Saved" }).waitFor();

  await first(tabB).fill("Written in tab B.");
  await first(tabB).blur();
  const conflict = tabB.locator(".answer").first().locator(".conflict");
  await conflict.waitFor();
  assert.equal(await conflict.locator(".theirs").innerText(), "Written in tab A.");
  assert.equal(await first(tabB).inputValue(), "Written in tab B.", "my text stays in the editor");

  // Refused again while the panel is shown (as when the blur of clicking
  // "Keep mine" sends a save): the panel is updated in place, so the button
  // under the person's pointer is never swapped and their click never lost.
  await conflict.evaluate((el) => {
    el.dataset.first = "yes";
  });
  const refusedAgain = tabB.waitForResponse((r) => r.request().method() === "PUT" && r.status() === 409);
  await first(tabB).fill("Written in tab B, still.");
  await first(tabB).blur();
  await refusedAgain;
  assert.equal(await conflict.getAttribute("data-first"), "yes", "the same panel, not a new one");
  assert.equal(await tabB.locator(".answer").first().locator(".conflict").count(), 1);

  // Merge and keep: the merged text wins, deliberately.
  await first(tabB).fill("Written in tab A. And in tab B.");
  await conflict.getByRole("button", { name: "Keep mine" }).click();
  await tabB.locator(".answer").first().locator(".save-state", { hasText: "Saved" }).waitFor();
  await tabA.reload();
  assert.equal(await first(tabA).inputValue(), "Written in tab A. And in tab B.");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a script typed into an answer and a note is shown as text, never run", { skip: skip ?? false }, async () => {
  const payload = `<script>alert("xss")</script><img src=x onerror="alert('img')">"'&`;
  const priya = await signIn("priya.natarajan@meridian.example");
  // Priya's conversation is held; Kelly schedules a new one.
  const kelly = await signIn("kelly.moore@meridian.example");
  await kelly.page.goto(`${app.server.base}/conversations/new`);
  await kelly.page.getByLabel("With").selectOption({ label: "Priya Natarajan" });
  await kelly.page.getByRole("button", { name: "Schedule" }).click();
  await kelly.page.waitForURL(/\/conversations\/\d+$/);
  const url = kelly.page.url();

  await priya.page.goto(url);
  const area = priya.page.locator("textarea[name^=answer-]").first();
  await area.fill(payload);
  await priya.page.getByRole("textbox", { name: "Shared notes" }).fill(payload);
  await priya.page.getByRole("button", { name: "Save and share all answers" }).click();
  await priya.page.getByText("Shared.", { exact: true }).waitFor();
  assert.equal(await area.inputValue(), payload);

  await kelly.page.reload();
  const answer = kelly.page.locator(".shared-answer .a").first();
  assert.equal(await answer.innerText(), payload);
  assert.equal(await kelly.page.getByRole("textbox", { name: "Shared notes" }).inputValue(), payload);
  assert.equal(await kelly.page.locator("main img").count(), 0, "no injected element");
  assert.deepEqual(kelly.errors, []);
  assert.deepEqual(priya.errors, []);
  await kelly.ctx.close();
  await priya.ctx.close();
});
