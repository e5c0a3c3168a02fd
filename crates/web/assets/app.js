// Progressive enhancement only: every page works without this file.
"use strict";

// Select a read-only link or token on focus so it can be copied at once.
document.addEventListener("focusin", (event) => {
  const el = event.target;
  if (el instanceof HTMLInputElement && el.classList.contains("copy")) {
    el.select();
  }
});
