// The resource tree, left to right: the app, its resources, what they own (ReplicaSets, Pods,
// Endpoints...), each node with its kind, name, sync and health. Edges are drawn in SVG once the
// columns are laid out. A list view shows the same nodes as a table.
import { clear, h } from "./dom.js";
import { healthBadge, syncBadge } from "./status.js";

const KIND_ICONS = {
  Application: "App", Deployment: "D", StatefulSet: "S", DaemonSet: "Ds", ReplicaSet: "RS", Pod: "P",
  Service: "Svc", Ingress: "Ing", ConfigMap: "CM", Secret: "Sec", Job: "J", CronJob: "CJ",
  HorizontalPodAutoscaler: "HPA", PersistentVolumeClaim: "PVC", Namespace: "NS", ServiceAccount: "SA",
  Endpoints: "EP", EndpointSlice: "EPS", Role: "R", RoleBinding: "RB", NetworkPolicy: "NP",
};

export function nodeKey(node) {
  return [node.group || "", node.kind, node.namespace || "", node.name].join("/");
}

/** A resource entry in Argo CD's terms: a resource not in the cluster is OutOfSync and Missing. */
function argoStates(resource) {
  if (resource.status !== "Missing") return resource;
  return { ...resource, status: "OutOfSync", health: resource.health || { status: "Missing", message: "" } };
}

/** Nodes from the resource tree and the app's resource list, with parents and sync states. */
export function buildNodes(app, treeNodes) {
  const byKey = new Map();
  const managed = new Map((app.status?.resources || []).map((r) => [nodeKey(r), argoStates(r)]));
  for (const node of treeNodes) {
    const key = nodeKey(node);
    const resource = managed.get(key);
    byKey.set(key, { ...node, key, managed: Boolean(resource), status: resource?.status, health: node.health || resource?.health, parents: [], children: [] });
  }
  for (const [key, resource] of managed) {
    if (!byKey.has(key)) byKey.set(key, { ...resource, key, managed: true, parents: [], children: [] });
  }
  const byUid = new Map([...byKey.values()].filter((n) => n.uid).map((n) => [n.uid, n]));
  for (const node of byKey.values()) {
    for (const ref of node.parentRefs || []) {
      const parent = (ref.uid && byUid.get(ref.uid)) || byKey.get(nodeKey(ref));
      if (parent && parent !== node) {
        node.parents.push(parent);
        parent.children.push(node);
      }
    }
  }
  return [...byKey.values()];
}

function columnsOf(nodes) {
  const shown = new Set(nodes);
  const depth = new Map();
  const visit = (node, d) => {
    if ((depth.get(node) ?? -1) >= d || d > 12) return;
    depth.set(node, d);
    node.children.filter((child) => shown.has(child)).forEach((child) => visit(child, d + 1));
  };
  nodes.filter((n) => !n.parents.some((p) => shown.has(p))).forEach((n) => visit(n, 1));
  nodes.filter((n) => !depth.has(n)).forEach((n) => visit(n, 1));
  const columns = [];
  for (const [node, d] of depth) (columns[d] ||= []).push(node);
  return columns.filter(Boolean).map((column) => column.sort((a, b) => (a.kind + a.name).localeCompare(b.kind + b.name)));
}

export function matchesFilter(node, filter) {
  if (!filter.text && !filter.kind && !filter.state) return true;
  const text = filter.text.toLowerCase();
  if (text && !`${node.kind} ${node.name}`.toLowerCase().includes(text)) return false;
  if (filter.kind && node.kind !== filter.kind) return false;
  if (filter.state === "OutOfSync" && node.status !== "OutOfSync") return false;
  if (filter.state === "Unhealthy" && ["Healthy", undefined].includes(node.health?.status)) return false;
  return true;
}

function nodeCard(node, onSelect, appLinkFor) {
  const isApp = node.kind === "Application" && node.group === "argoproj.io";
  return h(
    "button",
    {
      type: "button",
      class: `node health-${node.health?.status || "none"}${node.status === "OutOfSync" ? " drift" : ""}`,
      "data-node": node.key,
      "data-kind": node.kind,
      title: `${node.kind} ${node.namespace ? `${node.namespace}/` : ""}${node.name}`,
      onclick: () => onSelect(node),
    },
    h("span", { class: "kind-icon", "aria-hidden": "true" }, KIND_ICONS[node.kind] || node.kind.slice(0, 3)),
    h("span", { class: "node-text" }, h("span", { class: "node-kind" }, node.kind), h("span", { class: "node-name" }, node.name)),
    h("span", { class: "node-states" }, node.managed ? syncBadge({ status: node.status }) : null, node.health ? healthBadge(node.health) : null),
    isApp ? h("a", { class: "node-link", href: appLinkFor(node.name), onclick: (event) => event.stopPropagation() }, "Open app ›") : null,
  );
}

/** The graph: the app in the first column, then its resources and their descendants. */
export function drawGraph(container, app, nodes, filter, onSelect, appLinkFor) {
  const shown = new Set(nodes.filter((n) => matchesFilter(n, filter)));
  // keep the ancestors of what matches, so a Pod is still shown under its Deployment
  for (const node of [...shown]) {
    const stack = [...node.parents];
    while (stack.length) {
      const parent = stack.pop();
      if (!shown.has(parent)) {
        shown.add(parent);
        stack.push(...parent.parents);
      }
    }
  }
  const columns = columnsOf([...shown]);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "edges");
  svg.setAttribute("aria-hidden", "true");
  const root = h("div", { class: "graph-column" }, h("div", { class: `node root health-${app.status?.health?.status || "Unknown"}`, "data-node": "app" }, h("span", { class: "kind-icon", "aria-hidden": "true" }, "App"), h("span", { class: "node-text" }, h("span", { class: "node-kind" }, "Application"), h("span", { class: "node-name" }, app.metadata.name)), h("span", { class: "node-states" }, syncBadge(app.status?.sync), healthBadge(app.status?.health))));
  const graph = h("div", { class: "graph" }, svg, root, columns.map((column) => h("div", { class: "graph-column" }, column.map((n) => nodeCard(n, onSelect, appLinkFor)))));
  clear(container, shown.size ? graph : h("p", { class: "empty" }, nodes.length ? "No resource matches the filter." : "This app has no resources yet."));
  requestAnimationFrame(() => drawEdges(graph, svg, [...shown]));
}

function drawEdges(graph, svg, nodes) {
  const box = graph.getBoundingClientRect();
  svg.setAttribute("width", graph.scrollWidth);
  svg.setAttribute("height", graph.scrollHeight);
  const at = (key) => graph.querySelector(`[data-node="${CSS.escape(key)}"]`)?.getBoundingClientRect();
  const rootBox = at("app");
  const lines = [];
  for (const node of nodes) {
    const to = at(node.key);
    if (!to) continue;
    const parents = node.parents.filter((p) => nodes.includes(p));
    const froms = parents.length ? parents.map((p) => at(p.key)).filter(Boolean) : [rootBox];
    for (const from of froms) {
      if (!from) continue;
      const x1 = from.right - box.left, y1 = from.top + from.height / 2 - box.top;
      const x2 = to.left - box.left, y2 = to.top + to.height / 2 - box.top;
      const mid = (x1 + x2) / 2;
      lines.push(`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`);
    }
  }
  svg.replaceChildren(...lines.map((d) => {
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    return path;
  }));
}

/** The same nodes as a table. */
export function drawList(container, nodes, filter, onSelect) {
  const rows = nodes.filter((n) => matchesFilter(n, filter)).sort((a, b) => (a.kind + a.name).localeCompare(b.kind + b.name));
  clear(
    container,
    h(
      "table",
      { class: "grid" },
      h("thead", {}, h("tr", {}, ["Kind", "Namespace", "Name", "Sync", "Health", "Owner"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map((n) => h("tr", { "data-node": n.key }, h("td", {}, n.kind), h("td", {}, n.namespace || ""), h("td", {}, h("button", { type: "button", class: "link", onclick: () => onSelect(n) }, n.name)), h("td", {}, n.managed ? syncBadge({ status: n.status }) : ""), h("td", {}, n.health ? healthBadge(n.health) : ""), h("td", {}, n.parents.map((p) => `${p.kind}/${p.name}`).join(", "))))),
    ),
  );
}
