// The console's shell: login with an API key (sessionStorage), role detection, hash routing.
import { detectRole, session, whenUnauthenticated } from "./api.js";
import { fill, h } from "./format.js";
import { renderAddress } from "./views/address.js";
import { renderRound } from "./views/round.js";
import { renderSchedule } from "./views/schedule.js";
import { renderSpeed } from "./views/speed.js";

const main = document.getElementById("view");
const nav = document.getElementById("nav");
const whoami = document.getElementById("whoami");
const logoutButton = document.getElementById("logout");

/** The page being shown: its timers stop when another one opens. */
let lifecycle = { closed: true, timer: undefined };

function closeView() {
  lifecycle.closed = true;
  clearTimeout(lifecycle.timer);
}

const ROUTES = [
  [/^#\/schedule$/, (view) => renderSchedule(view)],
  [/^#\/rounds\/([0-9a-f-]{36})$/i, (view, [id], lc) => renderRound(view, id, lc)],
  [
    /^#\/address(?:\/([^/]*))?$/,
    (view, [address], lc) => renderAddress(view, address ? decodeURIComponent(address) : "", lc),
  ],
  [/^#\/speed$/, (view, _m, lc) => renderSpeed(view, lc)],
];

async function route() {
  closeView();
  if (!session.key) return showLogin();
  const hash = location.hash || "#/schedule";
  highlightNav(hash);
  const match = ROUTES.map(([re, render]) => [hash.match(re), render]).find(([m]) => m);
  lifecycle = { closed: false, timer: undefined };
  const view = h("div", { class: "page" }, h("p", { class: "muted" }, "loading…"));
  fill(main, view);
  if (!match) {
    fill(view, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/schedule" }, "Back to the schedule")));
    return;
  }
  const [m, render] = match;
  try {
    await render(view, m.slice(1), lifecycle);
  } catch (error) {
    if (!session.key) return;
    fill(
      view,
      h("h1", {}, "Could not load this page"),
      h("p", { class: "error" }, `${error.code ?? "ERROR"}: ${error.message}`),
    );
  }
}

function highlightNav(hash) {
  for (const link of nav.querySelectorAll("a")) {
    const section = link.getAttribute("href").split("/")[1];
    link.classList.toggle(
      "active",
      hash.split("/")[1] === section || (section === "schedule" && hash.startsWith("#/rounds")),
    );
  }
}

function showShell() {
  document.body.classList.toggle("signed-in", Boolean(session.key));
  document.body.dataset.role = session.role ?? "";
  whoami.textContent = session.role ? `${session.role} key` : "";
  whoami.className = `role role-${session.role ?? "none"}`;
}

function showLogin(message) {
  closeView();
  showShell();
  const input = h("input", {
    id: "api-key",
    type: "password",
    autocomplete: "off",
    placeholder: "op_… or ex_…",
    required: true,
  });
  const error = h("p", { class: "error", id: "login-error", role: "alert" }, message ?? "");
  const form = h(
    "form",
    { class: "card login", id: "login-form" },
    h("h1", {}, "BTT operator console"),
    h(
      "p",
      { class: "muted" },
      "Sign in with an operator or exchange API key. It stays in this tab only (sessionStorage) and is sent to the gateway's /v1 API.",
    ),
    h("label", { for: "api-key" }, "API key"),
    input,
    error,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.textContent = "";
    try {
      const role = await detectRole(key);
      session.save(key, role);
      showShell();
      if (!location.hash || location.hash === "#/login") location.hash = "#/schedule";
      else await route();
    } catch (e) {
      error.textContent =
        e.status === 401 ? "This API key is not valid (or was revoked)." : `Could not sign in: ${e.message}`;
    }
  });
  fill(main, form);
  input.focus();
}

logoutButton.addEventListener("click", () => {
  session.clear();
  location.hash = "#/login";
  showLogin();
});

whenUnauthenticated(() => {
  session.clear();
  showLogin("Your API key is no longer accepted: sign in again.");
});

window.addEventListener("hashchange", () => {
  if (session.key) route();
});

showShell();
route();
