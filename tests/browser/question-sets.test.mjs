// A leader builds their own question set: imports Markdown with a preview,
// maps a JSON question bank's categories, edits and reorders, and schedules
// a conversation with it; the conversation keeps its snapshot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { signIn, useServer } from "./harness.mjs";

const app = useServer(["--demo"]);
const skip = app.skip;

const MARKDOWN = `# Kitchen check-in

## Past
- Over the past {window}, which service went best for you?
- What are you proudest of?
## Present
* What drains you on a double shift?
## Future
1. Which station would you like to run?
`;

test("import, preview, save, edit, reorder, use", { skip: skip ?? false }, async () => {
  const { ctx, page, errors } = await signIn(app.browser, app.server.base, "kelly.moore@meridian.example");

  await page.getByRole("link", { name: "Questions", exact: true }).click();
  assert.match(await page.locator("tbody").innerText(), /Career dreaming\s+Built in\s+3\s+3\s+3/);
  await page.getByRole("link", { name: "Import" }).click();

  // A bad file first: the line and the reason, and nothing saved.
  await page.getByLabel("Or paste it here").fill("## Past\n- fine\n## Someday\n- lost\n");
  await page.getByRole("button", { name: "Preview" }).click();
  assert.match(await page.locator(".row-errors").innerText(), /Line 3:.*Someday/);

  await page.getByLabel("Or paste it here").fill(MARKDOWN);
  await page.getByRole("button", { name: "Preview" }).click();
  const preview = await page.locator("#pv-h").innerText();
  assert.match(preview, /Preview: 4 questions/);
  assert.equal(await page.getByLabel("Name of the new set").inputValue(), "Kitchen check-in");
  await page.getByRole("button", { name: "Save this set" }).click();
  await page.waitForURL(/\/question-sets\/\d+$/);
  assert.match(await page.locator("main").innerText(), /Which station would you like to run\?/);

  // Edit: move the second Past question first, drop the Present one, add one.
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Order of question 2").fill("0");
  await page.getByLabel("Remove question 3").check();
  await page.getByLabel("Question 5", { exact: true }).fill("What is one thing you would teach a new starter?");
  await page.getByLabel("Group of question 5").selectOption("future");
  await page.getByRole("button", { name: "Save set" }).click();
  await page.waitForURL(/\/question-sets\/\d+$/);
  const items = await page.locator("main ol li").allInnerTexts();
  assert.deepEqual(items, [
    "What are you proudest of?",
    "Over the past {window}, which service went best for you?",
    "Which station would you like to run?",
    "What is one thing you would teach a new starter?",
  ]);

  // Use it, then change the set: the conversation keeps what it was asked with.
  await page.goto(`${app.server.base}/conversations/new`);
  await page.getByLabel("With").selectOption({ label: "Aisha Bello" });
  await page.getByLabel("Questions").selectOption({ label: "Kitchen check-in" });
  await page.getByLabel("Look back over the past").fill("2");
  await page.getByRole("button", { name: "Schedule" }).click();
  await page.waitForURL(/\/conversations\/\d+$/);
  const conversation = page.url();
  assert.match(await page.locator("main").innerText(), /Over the past two months, which service went best for you\?/);
  await page.goto(`${app.server.base}/question-sets`);
  await page.getByRole("row", { name: /Kitchen check-in/ }).getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Question 1", { exact: true }).fill("Changed later.");
  await page.getByRole("button", { name: "Save set" }).click();
  await page.goto(conversation);
  const text = await page.locator("main").innerText();
  assert.match(text, /What are you proudest of\?/);
  assert.doesNotMatch(text, /Changed later\./);
  assert.deepEqual(errors, []);
  await ctx.close();
});

const bank = resolve(import.meta.dirname, "../../../shared/external/vgraupera-1on1-questions/questions.json");

test("a JSON question bank's categories are mapped before saving", { skip: skip ?? (!existsSync(bank) && process.env.CI !== "true" ? "shared question bank not found" : false) }, async () => {
  const { ctx, page } = await signIn(app.browser, app.server.base, "kelly.moore@meridian.example");
  await page.goto(`${app.server.base}/question-sets/import`);
  await page.getByLabel("Question bank (JSON)").check();
  await page.getByLabel("File").setInputFiles({ name: "questions.json", mimeType: "application/json", buffer: readFileSync(bank) });
  await page.getByRole("button", { name: "Preview" }).click();
  // The suggested mapping selects too many: the page says so and offers the mapping.
  assert.match(await page.locator(".row-errors").innerText(), /at most 60/);
  for (const label of await page.locator("select[name^=map-]").all()) await label.selectOption("skip");
  await page.getByLabel(/^Career development/).selectOption("future");
  await page.getByLabel(/^Job satisfaction/).selectOption("present");
  await page.getByRole("button", { name: "Update preview" }).click();
  await page.getByLabel(/^Job satisfaction/).selectOption("skip");
  await page.getByRole("button", { name: "Update preview" }).click();
  assert.match(await page.locator("#pv-h").innerText(), /Preview: 60 questions/);
  await page.getByLabel("Name of the new set").fill("Career development bank");
  await page.getByRole("button", { name: "Save this set" }).click();
  await page.waitForURL(/\/question-sets\/\d+$/);
  assert.equal(await page.locator("main ol li").count(), 60);
  await ctx.close();
});
