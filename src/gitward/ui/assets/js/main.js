// The UI's entry: the top bar, the router (one view per path) and the login page.
import { api, forgetPermissions, whenLoggedOut } from "./api.js";
import { clear, h } from "./dom.js";
import { appsView } from "./apps.js";
import { appView } from "./app.js";
import { settingsView } from "./settings.js";

const top = document.getElementById("top");
const view = document.getElementById("view");
let stopCurrent = () => {};
let user = null;

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route();
}

/** Links inside the app change the view without reloading the page. */
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/']");
  if (!link || link.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", () => route());

whenLoggedOut(() => {
  if (location.pathname !== "/login") {
    user = null;
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  }
});

async function route() {
  stopCurrent();
  stopCurrent = () => {};
  const path = location.pathname;
  if (path === "/login") return loginView();
  if (!user) {
    try {
      user = await api("GET", "/api/v1/session/userinfo");
    } catch {
      return; // whenLoggedOut has sent us to the login page
    }
  }
  drawTop();
  const match = path.match(/^\/applications\/([^/]+)$/);
  if (match) stopCurrent = await appView(view, decodeURIComponent(match[1]), navigate);
  else if (path.startsWith("/settings")) stopCurrent = await settingsView(view);
  else stopCurrent = await appsView(view, navigate);
}

function drawTop() {
  const here = location.pathname;
  clear(
    top,
    h("a", { class: "brand", href: "/applications" }, h("img", { src: "/assets/icon.svg", alt: "" }), "gitward"),
    h(
      "nav",
      { "aria-label": "Main" },
      h("a", { href: "/applications", "aria-current": here.startsWith("/applications") ? "page" : false }, "Applications"),
      h("a", { href: "/settings", "aria-current": here.startsWith("/settings") ? "page" : false }, "Settings"),
    ),
    h(
      "div",
      { class: "user" },
      h("span", { class: "muted", "data-user": user?.username || "" }, user?.username || ""),
      h("button", { type: "button", class: "link", onclick: logout }, "Log out"),
    ),
  );
}

async function logout() {
  try {
    await api("DELETE", "/api/v1/session");
  } catch {
    /* already gone */
  }
  user = null;
  forgetPermissions();
  navigate("/login", { replace: true });
}

async function loginView() {
  clear(top, h("span", { class: "brand" }, h("img", { src: "/assets/icon.svg", alt: "" }), "gitward"));
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h(
    "form",
    { class: "login card", onsubmit: (event) => login(event, username, password, submit, error) },
    h("h1", {}, "Log in to gitward"),
    h("label", {}, "Username", username),
    h("label", {}, "Password", password),
    error,
    submit,
  );
  clear(view, form);
  const sso = h("p", { class: "sso" }, h("a", { class: "button", href: "/auth/login", "data-sso": "" }, "Log in with SSO"));
  api("GET", "/api/v1/session/methods")
    .then((methods) => {
      if (methods.sso) form.append(sso);
    })
    .catch(() => {});
  username.focus();
}

async function login(event, username, password, submit, error) {
  event.preventDefault();
  submit.disabled = true;
  error.hidden = true;
  try {
    await api("POST", "/api/v1/session", { username: username.value, password: password.value });
    user = null;
    forgetPermissions();
    const next = new URLSearchParams(location.search).get("next");
    navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/applications", { replace: true });
  } catch (err) {
    error.textContent = err.status === 401 ? "Wrong username or password." : err.message;
    error.hidden = false;
    password.select();
  } finally {
    submit.disabled = false;
  }
}

route();
