// The dialogs that change things: sync (revision, prune, dry run, out-of-sync only, chosen
// resources, sync options), history with rollback (and the promotions into the app, by time),
// the app's events, and delete with the cascade choice.
// Each uses <dialog>, so focus and Escape behave as the browser's own.
import { appPath, get } from "./api.js";
import { clear, h, shortSha, when } from "./dom.js";
import { eventsTable } from "./panel.js";
import { promotionRow } from "./promote.js";

const SYNC_OPTIONS = ["Validate=false", "CreateNamespace=true", "PruneLast=true", "ApplyOutOfSyncOnly=true", "ServerSideApply=true", "Replace=true"];

function modal(title, ...content) {
  const dialog = h("dialog", { class: "dialog", "aria-label": title }, h("h2", {}, title), ...content);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

const checkbox = (name, label, checked = false) => h("label", { class: "check" }, h("input", { type: "checkbox", name, checked }), ` ${label}`);

export function syncDialog(app, submit) {
  const resources = app.status?.resources || [];
  const revision = h("input", { name: "revision", value: app.spec?.source?.targetRevision || "", "aria-label": "Revision" });
  const list = h(
    "fieldset",
    { class: "resources" },
    h("legend", {}, `Resources (${resources.length})`),
    resources.map((r, i) => h("label", { class: "check" }, h("input", { type: "checkbox", name: `resource-${i}`, checked: true }), ` ${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name} `, h("span", { class: "muted" }, r.status || ""))),
  );
  const options = h("fieldset", {}, h("legend", {}, "Sync options"), SYNC_OPTIONS.map((o) => checkbox(`option-${o}`, o)));
  const form = h(
    "form",
    { method: "dialog" },
    h("label", {}, "Revision", revision),
    checkbox("prune", "Prune (delete resources no longer in Git)", Boolean(app.spec?.syncPolicy?.automated?.prune)),
    checkbox("dryRun", "Dry run"),
    options,
    list,
    h("div", { class: "buttons" }, h("button", { value: "cancel", formnovalidate: true }, "Cancel"), h("button", { value: "sync", class: "primary", "data-confirm": "sync" }, "Synchronize")),
  );
  const dialog = modal(`Sync ${app.metadata.name}`, form);
  form.addEventListener("submit", (event) => {
    if (event.submitter?.value !== "sync") return;
    const chosen = resources.filter((_, i) => form.elements[`resource-${i}`].checked);
    const body = {
      revision: revision.value.trim(),
      prune: form.elements.prune.checked,
      dryRun: form.elements.dryRun.checked,
      syncOptions: { items: SYNC_OPTIONS.filter((o) => form.elements[`option-${o}`].checked) },
    };
    if (chosen.length !== resources.length) body.resources = chosen.map(({ group, kind, namespace, name }) => ({ group: group || "", kind, namespace: namespace || "", name }));
    dialog.close();
    submit(body);
  });
}

export async function historyDialog(app, mayRollback, rollback) {
  const body = h("div", { class: "history" }, h("p", { class: "muted" }, "Loading…"));
  const close = h("form", { method: "dialog" }, h("div", { class: "buttons" }, h("button", { value: "close" }, "Close")));
  const dialog = modal(`History of ${app.metadata.name}`, body, close);
  let items, promotions;
  try {
    const [history, current] = await Promise.all([get(appPath(app.metadata.name, "/revisions/history")), get(appPath(app.metadata.name))]);
    items = history.items || [];
    promotions = current.status?.promotions || [];
  } catch (err) {
    clear(body, h("p", { class: "error" }, err.message));
    return;
  }
  if (!items.length && !promotions.length) return clear(body, h("p", { class: "muted" }, "No deployments yet."));
  const automated = Boolean(app.spec?.syncPolicy?.automated);
  clear(
    body,
    automated && mayRollback ? h("p", { class: "muted" }, "Rollback is refused while automated sync is on (Git would win again); turn it off first, as in Argo CD.") : null,
    h(
      "table",
      { class: "grid" },
      h("thead", {}, h("tr", {}, ["ID", "Revision", "Deployed", "By", "Message", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, newestFirst([...items].reverse().map((item) => [item.deployedAt, h("tr", { "data-history": item.id }, h("td", {}, item.id), h("td", { class: "mono", title: item.revision || (item.revisions || []).join(", ") }, shortSha(item.revision || (item.revisions || [])[0])), h("td", {}, when(item.deployedAt)), h("td", {}, item.initiatedBy?.username || ""), h("td", {}, item.message || ""), h("td", {}, mayRollback ? h("button", { type: "button", disabled: automated, "data-rollback": item.id, onclick: () => { dialog.close(); rollback(item.id, { prune: false, dryRun: false }); } }, "Rollback") : null))]), promotions.map((item) => [item.promotedAt, promotionRow(item)]))),
    ),
  );
}

/** Deployments (already newest first) and promotions, merged by time, newest first. */
function newestFirst(deployments, promotions) {
  const time = (iso) => Date.parse(iso || "") || 0;
  return [...deployments, ...promotions].sort((a, b) => time(b[0]) - time(a[0])).map(([, row]) => row);
}

export function eventsDialog(app, events) {
  const close = h("form", { method: "dialog" }, h("div", { class: "buttons" }, h("button", { value: "close" }, "Close")));
  modal(`Events of ${app.metadata.name}`, h("div", { class: "events-list" }, eventsTable([...events].reverse())), close);
}

export function deleteDialog(app, submit) {
  const name = app.metadata.name;
  const typed = h("input", { name: "confirm", autocomplete: "off", "aria-label": "Type the app's name" });
  const cascade = h("fieldset", {}, h("legend", {}, "Resources"), h("label", { class: "check" }, h("input", { type: "radio", name: "cascade", value: "true", checked: true }), " Delete the app and its resources (cascade)"), h("label", { class: "check" }, h("input", { type: "radio", name: "cascade", value: "false" }), " Delete only the app; leave its resources running"));
  const go = h("button", { value: "delete", class: "danger", disabled: true }, "Delete");
  typed.addEventListener("input", () => { go.disabled = typed.value !== name; });
  const form = h("form", { method: "dialog" }, h("p", {}, "Type ", h("code", {}, name), " to confirm."), typed, cascade, h("div", { class: "buttons" }, h("button", { value: "cancel", formnovalidate: true }, "Cancel"), go));
  const dialog = modal(`Delete ${name}?`, form);
  form.addEventListener("submit", (event) => {
    if (event.submitter?.value !== "delete" || typed.value !== name) return;
    dialog.close();
    submit(form.elements.cascade.value);
  });
}
