// A resource's panel: summary, live and desired manifests, the diff (inline or side by side),
// its events, and for a Pod its containers' logs (follow, choose the container, download).
// Secret values arrive masked from the API; nothing here unmasks them.
import { api, appPath, canI, get } from "./api.js";
import { clear, h, when } from "./dom.js";
import { healthBadge, syncBadge } from "./status.js";

export function openPanel(host, app, node, managed, events) {
  const tabs = ["Summary", "Live", "Desired", "Diff", "Events"];
  if (node.kind === "Pod" && !node.group) tabs.push("Logs");
  const body = h("div", { class: "panel-body" });
  let stopLogs = () => {};
  const tabBar = h("div", { class: "tabs", role: "tablist" });
  const show = (name) => {
    stopLogs();
    stopLogs = () => {};
    [...tabBar.children].forEach((tab) => tab.setAttribute("aria-selected", String(tab.textContent === name)));
    const item = managed.get(node.key);
    if (name === "Summary") clear(body, summary(node, item));
    if (name === "Live") manifestTab(body, app, node, item?.liveState);
    if (name === "Desired") clear(body, item ? pre(pretty(item.targetState)) : h("p", { class: "muted" }, "Not in Git: gitward does not manage this resource directly (it is owned by another one)."));
    if (name === "Diff") clear(body, item ? diffView(item) : h("p", { class: "muted" }, "No diff: this resource is not declared in Git."));
    if (name === "Events") clear(body, eventsTable(events.filter((e) => e.involvedObject?.kind === node.kind && e.involvedObject?.name === node.name)));
    if (name === "Logs") stopLogs = logsTab(body, app, node);
  };
  tabs.forEach((name) => tabBar.append(h("button", { type: "button", role: "tab", "aria-selected": "false", onclick: () => show(name) }, name)));
  const close = () => {
    stopLogs();
    host.hidden = true;
    host.replaceChildren();
  };
  const tools = h("div", { class: "panel-actions" });
  clear(
    host,
    h(
      "div",
      { class: "panel-head" },
      h("div", {}, h("div", { class: "muted" }, node.kind), h("h2", {}, node.name)),
      h("button", { type: "button", class: "close", "aria-label": "Close", onclick: close }, "×"),
    ),
    tools,
    tabBar,
    body,
  );
  resourceActions(tools, app, node, close);
  host.hidden = false;
  host.onkeydown = (event) => {
    if (event.key === "Escape") close();
  };
  show("Summary");
  tabBar.firstChild.focus();
  return close;
}

function resourceQuery(node) {
  return new URLSearchParams({ namespace: node.namespace || "", resourceName: node.name, group: node.group || "", kind: node.kind });
}

/** Restart (workloads) and delete, each offered only when the user's role allows it. */
async function resourceActions(tools, app, node, close) {
  const object = `${app.spec?.project || "default"}/${app.metadata.name}`;
  const query = resourceQuery(node);
  const status = h("span", { class: "muted small", role: "status" });
  const run = async (label, work) => {
    status.textContent = `${label}…`;
    try {
      await work();
      status.textContent = `${label}: done.`;
    } catch (err) {
      status.textContent = `${label} failed: ${err.message}`;
    }
  };
  const buttons = [];
  const actions = await get(appPath(app.metadata.name, `/resource/actions?${query}`)).then((a) => a.actions || [], () => []);
  for (const action of actions) {
    if (await canI("applications", `action/${node.group || ""}/${node.kind}/${action.name}`, object)) {
      buttons.push(h("button", { type: "button", disabled: action.disabled, "data-resource-action": action.name, onclick: () => run(action.name[0].toUpperCase() + action.name.slice(1), () => api("POST", appPath(app.metadata.name, `/resource/actions?${query}`), action.name)) }, action.name[0].toUpperCase() + action.name.slice(1)));
    }
  }
  const path = `delete/${node.group || ""}/${node.kind}/${node.namespace || ""}/${node.name}`;
  if (await canI("applications", path, object)) {
    buttons.push(h("button", { type: "button", class: "danger", "data-resource-action": "delete", onclick: () => confirmDelete(node, () => run("Delete", async () => { await api("DELETE", appPath(app.metadata.name, `/resource?${query}`)); close(); })) }, "Delete"));
  }
  clear(tools, buttons, status);
}

function confirmDelete(node, then) {
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-label": "Delete resource" },
    h("h2", {}, `Delete ${node.kind} ${node.name}?`),
    h("p", {}, "gitward deletes it from the cluster now; an automated app with self-heal creates it again from Git."),
    h("form", { method: "dialog" }, h("div", { class: "buttons" }, h("button", { value: "cancel" }, "Cancel"), h("button", { value: "delete", class: "danger", "data-confirm": "delete-resource" }, "Delete"))),
  );
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "delete") then();
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
}

function summary(node, item) {
  const rows = [
    ["Kind", `${node.group ? `${node.group}/` : ""}${node.kind}`],
    ["Namespace", node.namespace || "(cluster)"],
    ["Name", node.name],
    ["Sync", node.managed ? syncBadge({ status: node.status || item?.status }) : "not declared in Git (owned by another resource)"],
    ["Health", node.health ? healthBadge(node.health) : "no health check"],
    ["Health message", node.health?.message || ""],
    ["Owners", node.parents.map((p) => `${p.kind}/${p.name}`).join(", ")],
  ];
  return h("dl", { class: "facts" }, rows.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function pretty(json) {
  if (!json) return "";
  try {
    return toYaml(JSON.parse(json));
  } catch {
    return String(json);
  }
}

/** A readable YAML-like view of an object (display only). */
function toYaml(value, indent = "") {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const next = `${indent}  `;
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return value.map((item) => `\n${indent}- ${toYaml(item, next).replace(/^\n\s*/, "")}`).join("");
  }
  const keys = Object.keys(value);
  if (!keys.length) return "{}";
  return keys.map((key) => `\n${indent}${key}: ${toYaml(value[key], next)}`).join("");
}

function pre(text) {
  return h("pre", { class: "manifest" }, text.replace(/^\n/, "") || "(empty)");
}

async function manifestTab(body, app, node, liveJson) {
  if (liveJson) return clear(body, pre(pretty(liveJson)));
  clear(body, h("p", { class: "muted" }, "Loading…"));
  const query = resourceQuery(node);
  try {
    const answer = await get(appPath(app.metadata.name, `/resource?${query}`));
    clear(body, pre(pretty(answer.manifest)));
  } catch (err) {
    clear(body, h("p", { class: "error" }, err.message));
  }
}

function diffView(item) {
  if (!item.diff) return h("p", { class: "ok-text" }, "No difference: the live object matches Git.");
  const inline = h("pre", { class: "diff" }, item.diff.split("\n").map((line) => h("span", { class: lineClass(line) }, `${line}\n`)));
  const side = sideBySide(item.diff);
  const holder = h("div", {}, inline);
  const toggle = h(
    "div",
    { class: "toggle", role: "group", "aria-label": "Diff layout" },
    h("button", { type: "button", "aria-pressed": "true", onclick: (e) => { clear(holder, inline); press(e); } }, "Inline"),
    h("button", { type: "button", "aria-pressed": "false", onclick: (e) => { clear(holder, side); press(e); } }, "Side by side"),
  );
  return h("div", {}, toggle, holder);
}

function press(event) {
  const group = event.target.parentElement;
  [...group.children].forEach((b) => b.setAttribute("aria-pressed", String(b === event.target)));
}

function lineClass(line) {
  if (line.startsWith("+++") || line.startsWith("---")) return "meta";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  if (line.startsWith("@@")) return "hunk";
  return "";
}

/** Live on the left, Git on the right, paired line by line within each change. */
function sideBySide(diff) {
  const rows = [];
  let dels = [];
  let adds = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i += 1) rows.push([dels[i] ?? null, adds[i] ?? null]);
    dels = [];
    adds = [];
  };
  for (const line of diff.split("\n")) {
    if (line.startsWith("+++") || line.startsWith("---")) continue;
    if (line.startsWith("-")) dels.push(line.slice(1));
    else if (line.startsWith("+")) adds.push(line.slice(1));
    else {
      flush();
      if (line.startsWith("@@")) rows.push(["…", "…"]);
      else rows.push([line.slice(1), line.slice(1)]);
    }
  }
  flush();
  return h(
    "table",
    { class: "side-by-side" },
    h("thead", {}, h("tr", {}, h("th", {}, "Live"), h("th", {}, "Git"))),
    h("tbody", {}, rows.map(([left, right]) => h("tr", {}, h("td", { class: left === null ? "gap" : right === null || left !== right ? "del" : "" }, left ?? ""), h("td", { class: right === null ? "gap" : left === null || left !== right ? "add" : "" }, right ?? "")))),
  );
}

export function eventsTable(events) {
  if (!events.length) return h("p", { class: "muted" }, "No events.");
  return h(
    "table",
    { class: "grid events" },
    h("thead", {}, h("tr", {}, ["Type", "Reason", "Object", "Message", "Count", "Last seen"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, events.map((e) => h("tr", { class: e.type === "Warning" ? "warning" : "" }, h("td", {}, e.type), h("td", {}, e.reason), h("td", {}, `${e.involvedObject?.kind}/${e.involvedObject?.name}`), h("td", {}, e.message), h("td", {}, e.count ?? ""), h("td", {}, when(e.lastTimestamp))))),
  );
}

function logsTab(body, app, node) {
  const containers = (node.containers || node.info?.containers || []).filter(Boolean);
  const output = h("pre", { class: "logs", "aria-live": "polite" });
  const container = h("select", { "aria-label": "Container" }, h("option", { value: "" }, "default container"), containers.map((c) => h("option", { value: c }, c)));
  const follow = h("input", { type: "checkbox", checked: true });
  const tail = h("select", { "aria-label": "Lines" }, [100, 500, 2000].map((n) => h("option", { value: n }, `last ${n} lines`)));
  let controller = null;
  const load = () => {
    controller?.abort();
    controller = new AbortController();
    output.textContent = "";
    const query = new URLSearchParams({ podName: node.name, namespace: node.namespace || "", tailLines: tail.value, follow: String(follow.checked) });
    if (container.value) query.set("container", container.value);
    streamLogs(appPath(app.metadata.name, `/logs?${query}`), output, controller.signal);
  };
  const download = () => {
    const blob = new Blob([output.textContent], { type: "text/plain" });
    const link = h("a", { download: `${node.name}.log` });
    link.href = URL.createObjectURL(blob);
    link.click();
    URL.revokeObjectURL(link.href);
  };
  [container, follow, tail].forEach((el) => el.addEventListener("change", load));
  clear(body, h("div", { class: "log-tools" }, container, tail, h("label", {}, follow, " Follow"), h("button", { type: "button", onclick: download }, "Download")), output);
  load();
  return () => controller?.abort();
}

/** One NDJSON line of the log stream, as text (null for the closing marker). */
function logContent(line) {
  if (!line.trim()) return null;
  try {
    const { result } = JSON.parse(line);
    return result?.last ? null : `${result?.content ?? ""}\n`;
  } catch {
    return `${line}\n`;
  }
}

async function streamLogs(path, output, signal) {
  try {
    const answer = await fetch(path, { credentials: "same-origin", signal });
    if (!answer.ok) {
      const data = await answer.json().catch(() => ({}));
      output.textContent = data.message || answer.statusText;
      output.classList.add("error");
      return;
    }
    const reader = answer.body.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop();
      const text = lines.map(logContent).filter((line) => line !== null).join("");
      if (text) {
        output.append(text);
        output.scrollTop = output.scrollHeight;
      }
    }
  } catch (err) {
    if (err.name !== "AbortError") output.append(`\n[${err.message}]`);
  }
}
