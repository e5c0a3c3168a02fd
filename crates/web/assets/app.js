// Progressive enhancement only: every page works without this file.
"use strict";

// Select a read-only link or token on focus so it can be copied at once.
document.addEventListener("focusin", (event) => {
  const el = event.target;
  if (el instanceof HTMLInputElement && el.classList.contains("copy")) {
    el.select();
  }
});

// Preselect the browser's time zone where a form offers a default.
for (const input of document.querySelectorAll("input[data-default-zone]")) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && input.value === "UTC") input.value = zone;
}

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

// Submitting a form leaves the page on purpose: its own fields travel with it,
// and other unsaved boxes are flushed (see autosave), so no "leave page?" prompt.
let submitting = false;
const flushers = [];
document.addEventListener("submit", (event) => {
  submitting = true;
  for (const flush of flushers) flush(event.target);
});

// Autosave: a textarea with data-autosave saves itself through the JSON API
// while the person types (debounced) and when they leave it. Each save sends
// the version it started from; if someone saved a newer one (another tab or
// device) the server refuses and both texts are shown, so nothing is lost.
function autosave(area) {
  const versionInput = document.getElementById(area.dataset.versionInput);
  const box = area.closest(".answer, section");
  const status = box?.querySelector(".save-state");
  let lastSaved = area.value;
  let timer = null;
  let inflight = false;
  let again = false;

  const show = (text, state) => {
    if (!status) return;
    status.textContent = text;
    status.dataset.state = state;
  };

  // One live conflict panel per field, updated in place: a save refused
  // again while it is shown (the blur of clicking "Keep mine" sends one)
  // must not swap the button from under the person's click.
  let conflict = null;
  const clearConflict = () => {
    conflict?.panel.remove();
    conflict = null;
  };

  const showConflict = (current) => {
    if (conflict) {
      conflict.current = current;
      conflict.theirs.textContent = current.text;
      return;
    }
    const panel = document.createElement("div");
    panel.className = "conflict live";
    panel.setAttribute("role", "alert");
    const p = document.createElement("p");
    p.textContent =
      "This was changed elsewhere (another tab or device). Nothing was overwritten. Your text is in the box; the saved text is below.";
    const theirs = document.createElement("pre");
    theirs.className = "theirs";
    theirs.textContent = current.text;
    const shown = { panel, theirs, current };
    conflict = shown;
    const keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Keep mine";
    keep.addEventListener("click", () => {
      versionInput.value = String(shown.current.version);
      clearConflict();
      lastSaved = null;
      save();
    });
    const use = document.createElement("button");
    use.type = "button";
    use.textContent = "Use the saved text";
    use.addEventListener("click", () => {
      const saved = shown.current;
      area.value = saved.text;
      versionInput.value = String(saved.version);
      lastSaved = saved.text;
      clearConflict();
      show("Saved", "saved");
    });
    panel.append(p, theirs, keep, " ", use);
    area.insertAdjacentElement("afterend", panel);
  };

  async function save(keepalive = false) {
    if (area.value === lastSaved) return;
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    const text = area.value;
    show("Saving…", "saving");
    try {
      const res = await fetch(area.dataset.autosave, {
        method: "PUT",
        credentials: "same-origin",
        keepalive,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
        body: JSON.stringify({ text, version: Number(versionInput.value) }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        versionInput.value = String(body.version);
        lastSaved = text;
        clearConflict();
        show(area.value === text ? "Saved" : "Unsaved changes", area.value === text ? "saved" : "dirty");
      } else if (res.status === 409 && body.current) {
        lastSaved = undefined;
        showConflict(body.current);
        show("Changed elsewhere: compare below", "conflict");
      } else {
        show(body.detail ?? `Not saved (error ${res.status})`, "error");
      }
    } catch {
      show("Offline: not saved yet. Keep this page open; it will try again.", "error");
      clearTimeout(timer);
      timer = setTimeout(save, 5000);
    } finally {
      inflight = false;
      if (again) {
        again = false;
        save();
      }
    }
  }

  area.addEventListener("input", () => {
    show("Unsaved changes", "dirty");
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
  area.addEventListener("blur", () => {
    clearTimeout(timer);
    save();
  });
  flushers.push((form) => {
    clearTimeout(timer);
    // Fields of the submitted form are saved by the server with the form.
    if (!form.contains(area)) save(true);
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && lastSaved !== undefined && area.value !== lastSaved) event.preventDefault();
  });
}

if (csrfToken) {
  for (const area of document.querySelectorAll("textarea[data-autosave]:not([readonly])")) autosave(area);
}
