// The applications page: tiles or a table, filters kept in the URL, counts per state, and live
// updates from the event stream (no polling). Only the first page of matches is drawn; more are
// drawn as the user scrolls, so thousands of apps stay quick.
import { follow, get } from "./api.js";
import { clear, h, shortSha, since } from "./dom.js";
import { HEALTH_STATES, SYNC_STATES, healthBadge, isSyncing, syncBadge } from "./status.js";

const PAGE = 120;
const FILTERS = ["search", "project", "sync", "health", "cluster", "namespace", "label"];

export async function appsView(view, navigate) {
  const apps = new Map();
  let shown = PAGE;
  let scheduled = false;
  const body = h("div", { class: "apps-body" });
  const bar = h("div", { class: "filters", role: "search" });
  const counts = h("div", { class: "counts", "aria-live": "polite" });
  clear(view, h("div", { class: "page-head" }, h("h1", {}, "Applications"), counts), bar, body);

  const params = () => new URLSearchParams(location.search);
  const setParam = (key, value) => {
    const next = params();
    if (value) next.set(key, value);
    else next.delete(key);
    history.replaceState(null, "", `${location.pathname}${next.toString() ? `?${next}` : ""}`);
    shown = PAGE;
    draw();
  };

  function draw() {
    scheduled = false;
    const query = params();
    const all = [...apps.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const matching = all.filter((app) => matches(app, query));
    drawFilters(bar, all, query, setParam);
    drawCounts(counts, matching, all.length);
    const mode = query.get("view") === "table" ? "table" : "tiles";
    const visible = matching.slice(0, shown);
    const more = matching.length > shown ? h("button", { type: "button", class: "more", onclick: () => { shown += PAGE * 4; draw(); } }, `Show more (${matching.length - shown} left)`) : null;
    if (!all.length) {
      clear(body, h("p", { class: "empty" }, "No applications yet. Create one with ", h("code", {}, "gitward app create -f app.yaml"), " or start the server with ", h("code", {}, "--bootstrap ROOT.yaml"), "."));
    } else if (!matching.length) {
      clear(body, h("p", { class: "empty" }, "No application matches these filters."));
    } else {
      clear(body, mode === "table" ? table(visible) : tiles(visible), more);
      if (more) observeOnce(more, () => { shown += PAGE * 4; draw(); });
    }
  }
  const redraw = () => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(draw);
    }
  };

  try {
    const list = await get("/api/v1/applications");
    performance.mark("gitward:apps-fetched");
    for (const app of list.items || []) apps.set(app.metadata.name, app);
  } catch (err) {
    clear(body, h("p", { class: "error", role: "alert" }, err.message));
    return () => {};
  }
  draw();
  performance.mark("gitward:apps-drawn");
  const stop = follow("", (type, app) => {
    if (!app?.metadata?.name) return;
    if (type === "DELETED") apps.delete(app.metadata.name);
    else apps.set(app.metadata.name, summary(app, apps.get(app.metadata.name)));
    redraw();
  });
  return stop;
}

/** A full app from the stream, cut to what the list shows. */
function summary(app, before) {
  return { ...before, ...app, metadata: { ...(before?.metadata || {}), ...app.metadata } };
}

function observeOnce(element, callback) {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      callback();
    }
  });
  observer.observe(element);
}

function labelsOf(app) {
  return Object.entries(app.metadata?.labels || {}).map(([k, v]) => `${k}=${v}`);
}

function clusterOf(app) {
  const dest = app.spec?.destination || {};
  return dest.name || dest.server || "";
}

function matches(app, query) {
  const search = (query.get("search") || "").toLowerCase();
  if (search && !app.metadata.name.toLowerCase().includes(search)) return false;
  const checks = {
    project: app.spec?.project || "",
    sync: app.status?.sync?.status || "Unknown",
    health: app.status?.health?.status || "Unknown",
    cluster: clusterOf(app),
    namespace: app.spec?.destination?.namespace || "",
  };
  for (const [key, value] of Object.entries(checks)) {
    const wanted = query.getAll(key).filter(Boolean);
    if (wanted.length && !wanted.includes(value)) return false;
  }
  const label = query.get("label");
  if (label) {
    const [key, value] = label.split("=");
    const labels = app.metadata?.labels || {};
    if (!(key in labels) || (value !== undefined && labels[key] !== value)) return false;
  }
  return true;
}

function drawFilters(bar, all, query, setParam) {
  if (bar.dataset.drawn) {
    refreshOptions(bar, all, query);
    return;
  }
  bar.dataset.drawn = "1";
  const search = h("input", { type: "search", name: "search", placeholder: "Search by name", "aria-label": "Search by name", value: query.get("search") || "" });
  search.addEventListener("input", () => setParam("search", search.value.trim()));
  const label = h("input", { type: "search", name: "label", placeholder: "label=value", "aria-label": "Label", value: query.get("label") || "" });
  label.addEventListener("change", () => setParam("label", label.value.trim()));
  const selects = ["project", "sync", "health", "cluster", "namespace"].map((key) => {
    const select = h("select", { name: key, "aria-label": key[0].toUpperCase() + key.slice(1) });
    select.addEventListener("change", () => setParam(key, select.value));
    return select;
  });
  const mode = query.get("view") === "table" ? "table" : "tiles";
  const toggle = h(
    "div",
    { class: "toggle", role: "group", "aria-label": "View" },
    h("button", { type: "button", "aria-pressed": String(mode === "tiles"), onclick: () => { setParam("view", ""); markPressed(toggle, 0); } }, "Tiles"),
    h("button", { type: "button", "aria-pressed": String(mode === "table"), onclick: () => { setParam("view", "table"); markPressed(toggle, 1); } }, "Table"),
  );
  const reset = h("button", { type: "button", class: "link", onclick: () => { for (const key of FILTERS) setParam(key, ""); search.value = ""; label.value = ""; refreshOptions(bar, all, new URLSearchParams(location.search)); } }, "Clear filters");
  clear(bar, search, ...selects, label, reset, toggle);
  refreshOptions(bar, all, query);
}

function markPressed(group, index) {
  [...group.children].forEach((button, i) => button.setAttribute("aria-pressed", String(i === index)));
}

function refreshOptions(bar, all, query) {
  const values = {
    project: unique(all.map((app) => app.spec?.project || "")),
    sync: SYNC_STATES,
    health: HEALTH_STATES,
    cluster: unique(all.map(clusterOf)),
    namespace: unique(all.map((app) => app.spec?.destination?.namespace || "")),
  };
  for (const [key, options] of Object.entries(values)) {
    const select = bar.querySelector(`select[name='${key}']`);
    const current = query.get(key) || "";
    const wanted = ["", ...options];
    if (select.options.length !== wanted.length || [...select.options].some((o, i) => o.value !== wanted[i])) {
      clear(select, ...wanted.map((value) => h("option", { value }, value || `All ${key === "sync" || key === "health" ? `${key} states` : `${key}s`}`)));
    }
    select.value = current;
  }
}

function unique(values) {
  return [...new Set(values.filter(Boolean))].sort();
}

function drawCounts(counts, matching, total) {
  const tally = (pick) => matching.reduce((acc, app) => acc.set(pick(app), (acc.get(pick(app)) || 0) + 1), new Map());
  const sync = tally((app) => app.status?.sync?.status || "Unknown");
  const health = tally((app) => app.status?.health?.status || "Unknown");
  clear(
    counts,
    h("span", { "data-count": "total" }, matching.length === total ? `${total} apps` : `${matching.length} of ${total} apps`),
    ...[...sync].map(([state, n]) => h("span", { class: "count", "data-count": `sync-${state}` }, syncBadge({ status: state }), ` ${n}`)),
    ...[...health].map(([state, n]) => h("span", { class: "count", "data-count": `health-${state}` }, healthBadge({ status: state }), ` ${n}`)),
  );
}

function appLink(app) {
  return `/applications/${encodeURIComponent(app.metadata.name)}`;
}

function revisionOf(app) {
  const sync = app.status?.sync || {};
  return sync.revision || (sync.revisions || [])[0] || "";
}

function stateCells(app) {
  return [
    syncBadge(app.status?.sync),
    isSyncing(app) ? h("span", { class: "badge busy" }, h("span", { class: "icon", "aria-hidden": "true" }, "◔"), "Syncing") : null,
    healthBadge(app.status?.health),
  ];
}

function tiles(apps) {
  return h(
    "ul",
    { class: "tiles" },
    apps.map((app) =>
      h(
        "li",
        { class: `tile health-${app.status?.health?.status || "Unknown"}`, "data-app": app.metadata.name },
        h("a", { class: "title", href: appLink(app) }, app.metadata.name),
        h("div", { class: "states" }, stateCells(app)),
        h(
          "dl",
          {},
          h("dt", {}, "Project"), h("dd", {}, app.spec?.project || ""),
          h("dt", {}, "Destination"), h("dd", {}, `${clusterOf(app)} / ${app.spec?.destination?.namespace || ""}`),
          h("dt", {}, "Source"), h("dd", {}, app.spec?.source?.path || app.spec?.source?.chart || app.spec?.source?.repoURL || ""),
          h("dt", {}, "Revision"), h("dd", { class: "mono" }, shortSha(revisionOf(app))),
        ),
      ),
    ),
  );
}

function table(apps) {
  return h(
    "table",
    { class: "grid apps-table" },
    h("thead", {}, h("tr", {}, ["Name", "Project", "Sync", "Health", "Destination", "Revision", "Reconciled"].map((title) => h("th", { scope: "col" }, title)))),
    h(
      "tbody",
      {},
      apps.map((app) =>
        h(
          "tr",
          { "data-app": app.metadata.name },
          h("td", {}, h("a", { href: appLink(app) }, app.metadata.name)),
          h("td", {}, app.spec?.project || ""),
          h("td", {}, syncBadge(app.status?.sync), isSyncing(app) ? " Syncing" : ""),
          h("td", {}, healthBadge(app.status?.health)),
          h("td", {}, `${clusterOf(app)} / ${app.spec?.destination?.namespace || ""}`),
          h("td", { class: "mono" }, shortSha(revisionOf(app))),
          h("td", {}, since(app.status?.reconciledAt)),
        ),
      ),
    ),
  );
}
