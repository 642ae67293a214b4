// Settings: projects, repositories, clusters and accounts, as the API shows them (credentials
// are write-only there, so none appear here).
import { get } from "./api.js";
import { clear, h } from "./dom.js";

const SECTIONS = [
  ["Projects", "/api/v1/projects", (p) => [p.metadata?.name, (p.spec?.sourceRepos || []).join(", "), (p.spec?.destinations || []).map((d) => `${d.server || d.name || ""} / ${d.namespace || ""}`).join(", ")], ["Name", "Source repositories", "Destinations"]],
  ["Repositories", "/api/v1/repositories", (r) => [r.repo, r.type || "git", r.username ? "user + password" : r.hasSshKey || r.hasSshPrivateKey ? "SSH key" : "none"], ["Repository", "Type", "Credentials"]],
  ["Clusters", "/api/v1/clusters", (c) => [c.name, c.server, c.connectionState?.status || ""], ["Name", "Server", "Connection"]],
  ["Accounts", "/api/v1/account", (a) => [a.name, (a.capabilities || []).join(", "), a.enabled === false ? "disabled" : "enabled"], ["Name", "Capabilities", "State"]],
];

export async function settingsView(view) {
  const sections = SECTIONS.map(([title, path, row, columns]) => {
    const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
    get(path)
      .then((answer) => {
        const items = answer.items || [];
        clear(body, items.length ? h("table", { class: "grid" }, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, items.map((item) => h("tr", {}, row(item).map((cell) => h("td", {}, cell ?? "")))))) : h("p", { class: "muted" }, `No ${title.toLowerCase()}.`));
      })
      .catch((err) => clear(body, h("p", { class: err.status === 403 ? "muted" : "error" }, err.status === 403 ? "You may not see these." : err.message)));
    return h("section", { class: "card", "aria-label": title }, h("h2", {}, title), body);
  });
  clear(view, h("h1", {}, "Settings"), sections);
  return () => {};
}
