// The admin UI's own script; everything else is Datastar attributes.
// 1. Adds the CSRF header to the page's own state-changing requests (Datastar's too).
// 2. The Ctrl+K palette: jump to a collection or page with the keyboard.
// 3. The menu button on phone-sized screens.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
if (csrf) {
  const plainFetch = window.fetch.bind(window);
  window.fetch = (input, init = {}) => {
    const method = (init.method || "GET").toUpperCase();
    const url = new URL(typeof input === "string" ? input : input.url, window.location.href);
    if (method !== "GET" && method !== "HEAD" && url.origin === window.location.origin) {
      const headers = new Headers(init.headers || {});
      headers.set("X-CSRF-Token", csrf);
      init = { ...init, headers };
    }
    return plainFetch(input, init);
  };
}

function setUpPalette() {
  const dialog = document.getElementById("palette");
  const input = document.getElementById("palette-input");
  const list = document.getElementById("palette-list");
  if (!dialog || !input || !list) return;
  const options = () => [...list.querySelectorAll("li")].filter((li) => !li.hidden);
  let active = 0;
  const highlight = () => {
    options().forEach((li, i) => li.setAttribute("aria-selected", i === active ? "true" : "false"));
  };
  const open = () => {
    input.value = "";
    filter();
    dialog.showModal();
    input.focus();
  };
  const filter = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const li of list.querySelectorAll("li")) {
      const text = li.textContent.toLowerCase();
      li.hidden = !words.every((w) => text.includes(w));
    }
    active = 0;
    highlight();
  };
  input.addEventListener("input", filter);
  input.addEventListener("keydown", (event) => {
    const shown = options();
    if (event.key === "ArrowDown") {
      active = Math.min(active + 1, shown.length - 1);
      highlight();
      event.preventDefault();
    } else if (event.key === "ArrowUp") {
      active = Math.max(active - 1, 0);
      highlight();
      event.preventDefault();
    } else if (event.key === "Enter") {
      const link = shown[active]?.querySelector("a");
      if (link) window.location.assign(link.href);
      event.preventDefault();
    }
  });
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  window.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      event.preventDefault();
      if (dialog.open) dialog.close();
      else open();
    }
  });
  for (const button of document.querySelectorAll("[data-palette-open]")) {
    button.addEventListener("click", open);
  }
}

function setUpMenu() {
  const toggle = document.querySelector("[data-menu-toggle]");
  const sidebar = document.getElementById("sidebar");
  if (!toggle || !sidebar) return;
  toggle.addEventListener("click", () => {
    const open = sidebar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
}

setUpPalette();
setUpMenu();
