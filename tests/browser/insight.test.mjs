// Team insight and the pulse: Priya answers this quarter's pulse and sees
// only her own history; Kelly sees her team's figures as charts with tables,
// never a single answer, and downloads a chart's data as CSV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot, signIn as signInAs, useServer } from "./harness.mjs";

const app = useServer(["--demo"]);
const skip = app.skip;

const signIn = (email) => signInAs(app.browser, app.server.base, email);

test("a member answers the pulse privately; a leader sees anonymous team insight", { skip: skip ?? false }, async () => {
  const priya = await signIn("priya.natarajan@meridian.example");
  await priya.page.goto(`${app.server.base}/pulse`);
  assert.match(await priya.page.locator(".privacy").innerText(), /only you ever see them/);
  const items = priya.page.locator("fieldset.pulse-item");
  assert.equal(await items.count(), 5);
  for (let i = 0; i < 5; i++) {
    await items.nth(i).getByLabel("Agree", { exact: true }).check();
  }
  await priya.page.getByLabel(/How likely are you to recommend this team/).selectOption("9");
  await priya.page.getByRole("button", { name: /Send my answer|Update my answer/ }).click();
  await priya.page.waitForURL(/\/pulse\?saved=1/);
  const history = priya.page.locator("section", { hasText: "Your answers over time" }).locator("tbody tr");
  assert.ok((await history.count()) >= 2, "this quarter and earlier ones");
  assert.match(await history.first().innerText(), /4\s+4\s+4\s+4\s+4\s+9/);
  await screenshot(priya.page, "pulse");

  const kelly = await signIn("kelly.moore@meridian.example");
  await kelly.page.goto(`${app.server.base}/`);
  await kelly.page.getByRole("link", { name: "team insight" }).click();
  await kelly.page.waitForURL(/\/insight$/);
  const main = kelly.page.locator("main");
  assert.match(await main.locator("h2").first().innerText(), /Kelly Moore's team/);
  const charts = main.locator("svg.chart[role=img]");
  assert.equal(await charts.count(), 3);
  const rows = main.locator("section", { hasText: "Engagement and eNPS" }).locator("tbody tr");
  assert.ok((await rows.count()) >= 4, "a row per closed quarter");
  // Every row either has figures or says why not: never an individual answer.
  for (const text of await rows.allInnerTexts()) {
    assert.match(text, /\d{4} Q\d\s+(\d+\s+\d+\s+[+-]\d+|.*(Not enough responses yet|Withheld))/);
  }
  assert.doesNotMatch(await main.innerText(), /Priya Natarajan/, "no names in team figures");
  const [download] = await Promise.all([
    kelly.page.waitForEvent("download"),
    main.locator("section", { hasText: "Engagement and eNPS" }).getByRole("link", { name: "Download CSV" }).click(),
  ]);
  const csv = await (await download.createReadStream()).toArray();
  assert.match(Buffer.concat(csv).toString(), /^quarter,respondents,engagement,enps,pooled_from,pooled_to,withheld\n/);
  await screenshot(kelly.page, "insight");

  // A member has no insight page.
  const res = await priya.page.goto(`${app.server.base}/insight`);
  assert.equal(res.status(), 404);
  assert.deepEqual(kelly.errors, []);
  assert.deepEqual(priya.errors.filter((e) => !/status of 404/.test(e)), []);
  await kelly.ctx.close();
  await priya.ctx.close();
});
