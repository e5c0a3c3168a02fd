// Suggested themes: the report sees what their drafts suggest; once shared,
// the leader sees the evidence highlighted and confirms a theme by name;
// an admin adds an organisation theme that is suggested at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { signIn as signInAs, useServer } from "./harness.mjs";

const app = useServer(["--demo"]);
const skip = app.skip;

const signIn = (email) => signInAs(app.browser, app.server.base, email);

const DRAINING = "Endless status meetings and late nights. I'm exhausted and running on empty.";

test("suggest from drafts privately, highlight once shared, confirm by name", { skip: skip ?? false }, async () => {
  const kelly = await signIn("kelly.moore@meridian.example");
  await kelly.page.goto(`${app.server.base}/conversations/new`);
  await kelly.page.getByLabel("With").selectOption({ label: "Priya Natarajan" });
  await kelly.page.getByRole("button", { name: "Schedule" }).click();
  await kelly.page.waitForURL(/\/conversations\/\d+$/);
  const url = kelly.page.url();

  const priya = await signIn("priya.natarajan@meridian.example");
  await priya.page.goto(url);
  const drained = priya.page.getByLabel("What's draining you right now?");
  await drained.fill(DRAINING);
  await priya.page.getByRole("button", { name: "Save", exact: true }).click();
  await priya.page.getByText("Saved.", { exact: true }).waitFor();
  const mine = await priya.page.locator("#themes").innerText();
  assert.match(mine, /What your answers suggest so far/);
  assert.match(mine, /Wellbeing & workload/);

  await kelly.page.reload();
  assert.doesNotMatch(await kelly.page.locator("main").innerText(), /Wellbeing & workload/, "drafts suggest nothing to the leader");

  await priya.page.getByRole("button", { name: "Save and share all answers" }).click();
  await priya.page.getByText("Shared.", { exact: true }).waitFor();
  await kelly.page.reload();
  const mark = kelly.page.locator("mark").first();
  assert.match(await mark.getAttribute("title"), /Wellbeing & workload/);
  const suggestion = kelly.page.locator(".suggestion", { hasText: "Wellbeing & workload" });
  assert.match(await suggestion.innerText(), /What would make the load more sustainable/);
  await suggestion.getByLabel("Name").fill("Sustainable pace");
  await suggestion.getByRole("button", { name: "Confirm" }).click();
  await kelly.page.getByText("Themes updated.").waitFor();
  const confirmed = await kelly.page.locator("#themes").innerText();
  assert.match(confirmed, /Sustainable pace\s+draining\s+confirmed by Kelly Moore/);

  await priya.page.reload();
  assert.match(await priya.page.locator("#themes").innerText(), /Sustainable pace/);
  await priya.page.goto(`${app.server.base}/themes`);
  assert.match(await priya.page.locator("main").innerText(), /Your themes over time[\s\S]*Sustainable pace/);

  assert.deepEqual(kelly.errors, []);
  assert.deepEqual(priya.errors, []);
  await kelly.ctx.close();
  await priya.ctx.close();
});

test("an admin adds an organisation theme", { skip: skip ?? false }, async () => {
  const morgan = await signIn("morgan.reyes@meridian.example");
  await morgan.page.goto(`${app.server.base}/themes`);
  await morgan.page.getByLabel("Id").fill("customer-trust");
  await morgan.page.getByLabel("Name", { exact: true }).fill("Customer trust");
  await morgan.page.getByLabel("Cue phrases").fill("customer trust\nrenewal calls\nchurn");
  await morgan.page.getByRole("button", { name: "Save theme" }).click();
  await morgan.page.getByText("Saved: suggestions use it from now on.").waitFor();
  assert.match(await morgan.page.locator("main").innerText(), /Customer trust\s+Added by your organisation\./);
  // A clash with a built-in theme is refused with a reason, and nothing changes.
  await morgan.page.getByLabel("Id").fill("craft");
  await morgan.page.getByLabel("Name", { exact: true }).fill("Craft again");
  await morgan.page.getByLabel("Cue phrases").fill("craft");
  await morgan.page.getByRole("button", { name: "Save theme" }).click();
  assert.match(await morgan.page.locator(".alert.error").innerText(), /craft/);
  assert.deepEqual(morgan.errors, []);
  await morgan.ctx.close();
});
