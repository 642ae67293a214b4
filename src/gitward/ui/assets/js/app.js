// An application's page: its summary (sources, revision, conditions, policy, promotion, windows,
// last operation), actions (refresh, sync, terminate, promote, history and rollback, events,
// delete), and its resource tree as a graph or a list, with a panel per resource. Live through
// the event stream.
import { api, appPath, canI, follow, get } from "./api.js";
import { clear, externalLink, h, shortSha, since, when } from "./dom.js";
import { deleteDialog, eventsDialog, historyDialog, syncDialog } from "./dialogs.js";
import { openPanel } from "./panel.js";
import { promoteDialog, promotionFacts } from "./promote.js";
import { healthBadge, isSyncing, phaseBadge, syncBadge } from "./status.js";
import { buildNodes, drawGraph, drawList } from "./tree.js";

const LINK_PREFIX = "link.argocd.argoproj.io/";

export async function appView(view, name, navigate) {
  const state = { app: null, nodes: [], managed: new Map(), events: [], filter: { text: "", kind: "", state: "" }, mode: "graph" };
  const head = h("div", { class: "app-head" });
  const actions = h("div", { class: "actions", role: "toolbar", "aria-label": "Actions" });
  const notice = h("p", { class: "notice", role: "status", hidden: true });
  const facts = h("section", { class: "summary", "aria-label": "Summary" });
  const treeTools = h("div", { class: "tree-tools" });
  const tree = h("section", { class: "tree", "aria-label": "Resources" });
  const panel = h("aside", { class: "panel", hidden: true, "aria-label": "Resource" });
  clear(view, h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/applications" }, "Applications"), " › ", name), head, actions, notice, facts, treeTools, tree, panel);

  const say = (text, tone = "") => {
    notice.textContent = text;
    notice.className = `notice ${tone}`;
    notice.hidden = !text;
  };
  const appLinkFor = (child) => `/applications/${encodeURIComponent(child)}`;
  const select = (node) => openPanel(panel, state.app, node, state.managed, state.events);
  const drawTree = () => (state.mode === "list" ? drawList(tree, state.nodes, state.filter, select) : drawGraph(tree, state.app, state.nodes, state.filter, select, appLinkFor));

  async function load(refresh = "") {
    const [app, treeAnswer, managed, events] = await Promise.all([
      get(appPath(name, refresh ? `?refresh=${refresh}` : "")),
      get(appPath(name, "/resource-tree")).catch(() => ({ nodes: [] })),
      get(appPath(name, "/managed-resources")).catch(() => ({ items: [] })),
      get(appPath(name, "/events")).catch(() => ({ items: [] })),
    ]);
    state.app = app;
    state.nodes = buildNodes(app, treeAnswer.nodes || []);
    state.managed = new Map((managed.items || []).map((item) => [[item.group || "", item.kind, item.namespace || "", item.name].join("/"), item]));
    state.events = events.items || [];
    drawHead(head, app);
    drawFacts(facts, app, name);
    drawTreeTools(treeTools, state, drawTree);
    drawTree();
    performance.mark("gitward:app-drawn");
  }

  const perform = async (label, work) => {
    say(`${label}…`, "busy");
    try {
      await work();
      say(`${label}: done.`, "ok");
      await load();
    } catch (err) {
      say(`${label} failed: ${err.message}`, "bad");
    }
  };

  try {
    await load();
  } catch (err) {
    clear(view, h("nav", { class: "crumbs" }, h("a", { href: "/applications" }, "Applications")), h("p", { class: "error", role: "alert" }, err.status === 403 || err.status === 404 ? `Application ${name} does not exist or you may not see it.` : err.message));
    return () => {};
  }
  await drawActions(actions, state, name, perform, load, navigate);

  let pending = null;
  const stop = follow(`?name=${encodeURIComponent(name)}`, (type) => {
    if (type === "DELETED") {
      say(`Application ${name} was deleted.`, "warn");
      return;
    }
    clearTimeout(pending);
    pending = setTimeout(() => load().catch(() => {}), 250);
  });
  return () => {
    stop();
    clearTimeout(pending);
  };
}

function drawHead(head, app) {
  clear(
    head,
    h("h1", {}, app.metadata.name),
    h("div", { class: "states" }, syncBadge(app.status?.sync), isSyncing(app) ? h("span", { class: "badge busy", "data-phase": "Syncing" }, h("span", { class: "icon", "aria-hidden": "true" }, "◔"), "Syncing") : null, healthBadge(app.status?.health)),
  );
}

async function drawActions(actions, state, name, perform, load, navigate) {
  const project = state.app.spec?.project || "default";
  const object = `${project}/${name}`;
  const [sync, del, update] = await Promise.all([canI("applications", "sync", object), canI("applications", "delete", object), canI("applications", "update", object)]);
  const rollback = await canI("applications", "rollback", object);
  const button = (label, onclick, extra = {}) => h("button", { type: "button", onclick, ...extra }, label);
  clear(
    actions,
    button("Refresh", () => perform("Refresh", () => load("normal"))),
    button("Hard refresh", () => perform("Hard refresh", () => load("hard"))),
    sync ? button("Sync", () => syncDialog(state.app, (body) => perform("Sync", () => api("POST", `/api/v1/applications/${encodeURIComponent(name)}/sync`, body))), { class: "primary", "data-action": "sync" }) : null,
    sync ? button("Terminate", () => perform("Terminate", () => api("DELETE", `/api/v1/applications/${encodeURIComponent(name)}/operation`)), { "data-action": "terminate" }) : null,
    sync ? button("Promote", () => promoteDialog(state.app, () => load().catch(() => {})), { "data-action": "promote" }) : null,
    button("History", () => historyDialog(state.app, rollback, (id, options) => perform("Rollback", () => api("POST", `/api/v1/applications/${encodeURIComponent(name)}/rollback`, { id, ...options }))), { "data-action": "history" }),
    button("Events", () => eventsDialog(state.app, state.events), { "data-action": "events" }),
    del ? button("Delete", () => deleteDialog(state.app, (cascade) => perform("Delete", async () => { await api("DELETE", `/api/v1/applications/${encodeURIComponent(name)}?cascade=${cascade}`); navigate("/applications"); })), { class: "danger", "data-action": "delete" }) : null,
    update ? null : h("span", { class: "muted small" }, sync ? "" : "You may view this app; syncing it is not allowed for you."),
  );
}

function drawFacts(facts, app, name) {
  const spec = app.spec || {};
  const status = app.status || {};
  const sources = spec.sources?.length ? spec.sources : [spec.source || {}];
  const revisions = status.sync?.revisions?.length ? status.sync.revisions : [status.sync?.revision];
  const dest = spec.destination || {};
  const policy = spec.syncPolicy?.automated
    ? `Automated${spec.syncPolicy.automated.prune ? ", prune" : ""}${spec.syncPolicy.automated.selfHeal ? ", self-heal" : ""}`
    : "Manual: a person syncs";
  const links = [
    ...Object.entries(app.metadata?.annotations || {}).filter(([k]) => k.startsWith(LINK_PREFIX)).map(([k, v]) => linkOf(k.slice(LINK_PREFIX.length), v)),
    ...(spec.info || []).map((item) => (/^https?:/i.test(String(item.value).trim()) ? externalLink(item.name, item.value) : h("span", {}, `${item.name}: ${item.value}`))),
  ];
  const operation = status.operationState;
  clear(
    facts,
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Project"), h("dd", {}, spec.project || "default"),
      h("dt", {}, sources.length > 1 ? "Sources" : "Source"),
      h("dd", {}, sources.map((source, i) => h("div", { class: "source" }, externalLink(source.repoURL, source.repoURL), ` ${source.path || source.chart || ""} @ ${source.targetRevision || "HEAD"}`, revisions[i] ? h("span", { class: "mono", title: revisions[i] }, ` (${shortSha(revisions[i])})`) : null, revisions[i] ? commitOf(name, revisions[i], i) : null))),
      h("dt", {}, "Destination"), h("dd", {}, `${dest.name || dest.server || ""} / ${dest.namespace || ""}`),
      h("dt", {}, "Sync policy"), h("dd", { "data-policy": spec.syncPolicy?.automated ? "automated" : "manual" }, policy),
      promotionFacts(app),
      h("dt", {}, "Reconciled"), h("dd", { title: when(status.reconciledAt) }, since(status.reconciledAt)),
      links.length ? [h("dt", {}, "Links"), h("dd", { class: "links" }, links)] : null,
    ),
    conditions(status.conditions || []),
    operation ? lastOperation(operation) : null,
    windowsOf(name),
  );
}

/** The commit's message, author and date, filled in when the server has read them. */
function commitOf(name, revision, index) {
  const holder = h("div", { class: "commit muted small", "data-commit": revision });
  get(appPath(name, `/revisions/${encodeURIComponent(revision)}/metadata?sourceIndex=${index}`))
    .then((meta) => {
      const subject = (meta.message || "").split("\n")[0];
      clear(holder, h("span", { class: "commit-message" }, subject), ` — ${meta.author || "unknown author"}, ${when(meta.date)}`);
    })
    .catch(() => holder.remove());
  return holder;
}

function linkOf(title, value) {
  const text = String(value);
  const bar = text.indexOf("|");
  return bar >= 0 ? externalLink(text.slice(0, bar), text.slice(bar + 1)) : externalLink(title, text);
}

function conditions(list) {
  if (!list.length) return null;
  return h("ul", { class: "conditions" }, list.map((c) => h("li", { class: /Error/.test(c.type) ? "bad" : "warn", "data-condition": c.type }, h("strong", {}, c.type), ": ", c.message)));
}

function lastOperation(operation) {
  const results = operation.syncResult?.resources || [];
  return h(
    "details",
    { class: "operation" },
    h("summary", {}, "Last operation: ", phaseBadge(operation.phase, operation.message), ` ${operation.message || ""} `, h("span", { class: "muted" }, since(operation.finishedAt || operation.startedAt))),
    results.length
      ? h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ["Phase", "Kind", "Name", "Status", "Message"].map((t) => h("th", {}, t)))), h("tbody", {}, results.map((r) => h("tr", {}, h("td", {}, r.syncPhase || ""), h("td", {}, r.kind), h("td", {}, r.namespace ? `${r.namespace}/${r.name}` : r.name), h("td", {}, r.status || r.hookPhase || ""), h("td", {}, r.message || "")))))
      : h("p", { class: "muted" }, "No resource results."),
  );
}

function windowsOf(name) {
  const holder = h("div", { class: "windows" });
  get(appPath(name, "/syncwindows"))
    .then((answer) => {
      const list = answer.activeWindows || answer.windows || [];
      if (!list.length && answer.canSync !== false) return;
      clear(holder, h("strong", {}, "Sync windows: "), answer.canSync === false ? h("span", { class: "badge warn" }, "syncs are held now") : h("span", { class: "badge ok" }, "syncs allowed now"), list.map((w) => h("span", { class: "muted" }, ` ${w.kind || ""} ${w.schedule || ""} for ${w.duration || ""}`)));
    })
    .catch(() => {});
  return holder;
}

function drawTreeTools(tools, state, drawTree) {
  if (tools.dataset.drawn) return;
  tools.dataset.drawn = "1";
  const text = h("input", { type: "search", placeholder: "Filter resources", "aria-label": "Filter resources" });
  text.addEventListener("input", () => { state.filter.text = text.value.trim(); drawTree(); });
  const kinds = [...new Set(state.nodes.map((n) => n.kind))].sort();
  const kind = h("select", { "aria-label": "Kind" }, h("option", { value: "" }, "All kinds"), kinds.map((k) => h("option", { value: k }, k)));
  kind.addEventListener("change", () => { state.filter.kind = kind.value; drawTree(); });
  const only = h("select", { "aria-label": "State" }, h("option", { value: "" }, "All states"), h("option", { value: "OutOfSync" }, "Out of sync"), h("option", { value: "Unhealthy" }, "Not healthy"));
  only.addEventListener("change", () => { state.filter.state = only.value; drawTree(); });
  const mode = h(
    "div",
    { class: "toggle", role: "group", "aria-label": "Layout" },
    h("button", { type: "button", "aria-pressed": "true", onclick: (e) => { state.mode = "graph"; pressed(e); drawTree(); } }, "Tree"),
    h("button", { type: "button", "aria-pressed": "false", onclick: (e) => { state.mode = "list"; pressed(e); drawTree(); } }, "List"),
  );
  clear(tools, h("h2", {}, "Resources"), text, kind, only, mode);
}

function pressed(event) {
  [...event.target.parentElement.children].forEach((b) => b.setAttribute("aria-pressed", String(b === event.target)));
}
