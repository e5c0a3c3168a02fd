// First run → the admin imports seven people → one of them accepts the
// invite, sets a password, signs in and sees their home page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot as shot, useServer, watchErrors } from "./harness.mjs";

const app = useServer();
const skip = app.skip;

const CSV = [
  "email,name,title,department,manager_email",
  "kelly@meridian.example,Kelly Moore,Head of Design,Design,",
  "priya@meridian.example,Priya Natarajan,Senior Product Designer,Design,kelly@meridian.example",
  "marco@meridian.example,Marco Rossi,Product Designer,Design,kelly@meridian.example",
  "aisha@meridian.example,Aisha Bello,UX Researcher,Design,kelly@meridian.example",
  'tom@meridian.example,Tom Becker,"Content Designer, Docs",Design,kelly@meridian.example',
  "lena@meridian.example,Lena Fischer,Design Systems Designer,Design,kelly@meridian.example",
  "sam@meridian.example,Sam Okafor,Junior Product Designer,Design,kelly@meridian.example",
].join("\r\n");


test("set-up, CSV import of seven people, invite accepted, home page", { skip: skip ?? false }, async () => {
  const setupLink = await app.server.waitForLine("/setup?token=");
  const admin = await app.browser.newContext();
  const page = await admin.newPage();
  const errors = watchErrors(page);

  await page.goto(setupLink);
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Work e-mail").fill("ada@meridian.example");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create administrator" }).click();
  // The browser's own check stops a short password before it is sent.
  assert.equal(await page.getByLabel("Password").evaluate((el) => el.validity.valid), false);
  await page.getByLabel("Password").fill("a perfectly long password");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await page.waitForURL(`${app.server.base}/`);
  assert.match(await page.locator("h1").innerText(), /Hello, Ada Admin/);

  await page.getByRole("link", { name: "Import people from CSV" }).click();
  await page.getByLabel("CSV file").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByText("Imported: 7 added, 0 updated, 0 unchanged.").waitFor();
  await shot(page, "import");
  const link = await page.getByLabel("Invite link for Priya Natarajan").inputValue();
  assert.ok(link.startsWith(`${app.server.base}/invite/`), link);

  await page.getByRole("link", { name: "People" }).click();
  const rows = page.locator("tbody tr");
  assert.equal(await rows.count(), 8);
  assert.match(await page.locator("tbody").innerText(), /Content Designer, Docs/);

  // Priya, in her own browser.
  const priya = await app.browser.newContext();
  const p = await priya.newPage();
  const perrors = watchErrors(p);
  await p.goto(link);
  assert.match(await p.locator("h1").innerText(), /Welcome, Priya Natarajan/);
  await p.getByLabel("New password").fill("my own long password");
  await p.getByLabel("Repeat it").fill("my own long password");
  await p.getByRole("button", { name: "Set password and sign in" }).click();
  await p.waitForURL(`${app.server.base}/`);
  assert.match(await p.locator("h1").innerText(), /Hello, Priya Natarajan/);
  assert.match(await p.locator("main").innerText(), /Your manager is Kelly Moore, Head of Design/);
  await shot(p, "home");

  // The link worked once. (Chromium logs the deliberate 410 as a console error.)
  assert.deepEqual(perrors, []);
  const again = await p.goto(link);
  assert.equal(again.status(), 410);
  assert.match(await p.locator("main").innerText(), /used already/);
  perrors.splice(0, perrors.length);

  // Signing out and in again with the new password.
  await p.goto(`${app.server.base}/`);
  await p.getByRole("button", { name: "Sign out" }).click();
  await p.waitForURL(/\/sign-in$/);
  await p.getByLabel("E-mail").fill("PRIYA@meridian.example");
  await p.getByLabel("Password").fill("my own long password");
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL(`${app.server.base}/`);
  assert.match(await p.locator("h1").innerText(), /Hello, Priya Natarajan/);

  assert.deepEqual(errors, []);
  assert.deepEqual(perrors, []);
  await admin.close();
  await priya.close();
});

test("a bad CSV lists every bad row and imports nobody", { skip: skip ?? false }, async () => {
  const ctx = await app.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${app.server.base}/sign-in`);
  await page.getByLabel("E-mail").fill("ada@meridian.example");
  await page.getByLabel("Password").fill("a perfectly long password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${app.server.base}/`);
  const bad = [
    "email,name,title,department,manager_email",
    "new1@meridian.example,New One,,,",
    "not-an-email,Broken,,,",
    "new2@meridian.example,New Two,,,nobody@meridian.example",
  ].join("\n");
  await page.goto(`${app.server.base}/people/import`);
  await page.getByLabel("CSV file").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await page.getByRole("button", { name: "Import" }).click();
  const list = page.locator(".row-errors li");
  await list.first().waitFor();
  const items = await list.allInnerTexts();
  assert.equal(items.length, 2, items.join("\n"));
  assert.match(items[0], /^Line 3:/);
  assert.match(items[1], /^Line 4:.*nobody@meridian\.example/);
  await page.goto(`${app.server.base}/people`);
  assert.doesNotMatch(await page.locator("tbody").innerText(), /New One/);
  await ctx.close();
});
