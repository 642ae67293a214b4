// Promotion on an app's page: which app it follows and for which keys (its gitward.io/promote-*
// annotations), the Promote dialog (source app, keys, force) with what came of it, and the
// promotions shown among its history. A pull request's Markdown body is shown as text in a
// <pre>, never parsed as HTML; links are only ever http(s).
import { api, appPath } from "./api.js";
import { clear, externalLink, h, shortSha, when } from "./dom.js";

const PROMOTE_FROM = "gitward.io/promote-from";
const PROMOTE_KEYS = "gitward.io/promote-keys";

export function promotionSettings(app) {
  const annotations = app.metadata?.annotations || {};
  const source = String(annotations[PROMOTE_FROM] || "").trim();
  const keys = String(annotations[PROMOTE_KEYS] || "").split(/[,\n]/).map((k) => k.trim()).filter(Boolean);
  return { source, keys };
}

/** The summary's "Promotion" row: follows SOURCE for KEYS, or the keys promoted by hand. */
export function promotionFacts(app) {
  const { source, keys } = promotionSettings(app);
  if (!source && !keys.length) return null;
  const list = keys.length ? h("span", { class: "mono" }, keys.join(", ")) : "the keys named when promoting";
  const text = source
    ? ["Follows ", h("a", { href: `/applications/${encodeURIComponent(source)}` }, source), " for ", list, ": its values are promoted here once it is Synced and Healthy"]
    : ["Promoted by hand, for ", list];
  return [h("dt", {}, "Promotion"), h("dd", { "data-promotion": source || "manual" }, text)];
}

const outcomeNotes = {
  committed: "committed",
  proposed: "proposed for review",
  unchanged: "nothing to change",
};

/** The Promote dialog; `done` runs once something was promoted (to draw the page again). */
export function promoteDialog(app, done) {
  const name = app.metadata.name;
  const settings = promotionSettings(app);
  const source = h("input", { name: "source", required: true, value: settings.source, autocomplete: "off" });
  const keys = h("input", { name: "keys", value: settings.keys.join(", "), autocomplete: "off", "aria-describedby": "promote-keys-help" });
  const force = h("input", { type: "checkbox", name: "force" });
  const manual = !app.spec?.syncPolicy?.automated;
  const result = h("div", { class: "promotion-result", role: "status", "aria-live": "polite" });
  const go = h("button", { type: "submit", class: "primary", "data-confirm": "promote" }, "Promote");
  const form = h(
    "form",
    {},
    h("label", {}, "Source application", source),
    h("label", {}, "Keys", keys),
    h("p", { id: "promote-keys-help", class: "muted small" }, "Comma-separated value keys, such as backend.image.tag; empty: the app's ", h("code", {}, PROMOTE_KEYS), "."),
    h("label", { class: "check" }, force, " Force: promote even if the source is not Synced and Healthy (recorded as forced)"),
    h("p", { class: "muted small" }, manual ? "This app syncs by hand: the values go to a new branch for a pull request, never to its own branch." : "This app syncs automatically: the values are committed to its branch, and its sync deploys them."),
    h("div", { class: "buttons" }, h("button", { type: "button", onclick: () => dialog.close() }, "Close"), go),
  );
  const dialog = h("dialog", { class: "dialog", "aria-label": `Promote into ${name}` }, h("h2", {}, `Promote into ${name}`), form, result);
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    go.disabled = true;
    clear(result, h("p", { class: "muted" }, "Promoting…"));
    const body = { from: source.value.trim(), keys: keys.value.split(",").map((k) => k.trim()).filter(Boolean), force: force.checked };
    try {
      const answer = await api("POST", appPath(name, "/promote"), body);
      clear(result, promotedView(answer));
      if (answer.outcome !== "unchanged") done();
    } catch (err) {
      const refused = err.status === 409;
      clear(result, h("div", { class: "error", role: "alert", "data-outcome": refused ? "refused" : "failed" }, h("strong", {}, refused ? "Refused: " : "Failed: "), err.message));
    } finally {
      go.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  (settings.source ? keys : source).focus();
}

function promotedView(answer) {
  const changed = answer.changed || [];
  const parts = [
    h("p", { "data-outcome": answer.outcome }, h("strong", {}, `Promotion ${outcomeNotes[answer.outcome] || answer.outcome}: `), answer.message || ""),
    changed.length
      ? h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ["Key", "Was", "Now"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, changed.map((c) => h("tr", {}, h("td", { class: "mono" }, c.key), h("td", { class: "mono" }, c.old), h("td", { class: "mono" }, c.new)))))
      : null,
  ];
  if (answer.outcome === "committed") {
    parts.push(h("p", {}, "Commit ", h("code", { "data-commit": answer.commit, title: answer.commit }, shortSha(answer.commit)), ` on ${answer.branch}.`));
  }
  if (answer.outcome === "proposed") parts.push(...proposal(answer));
  return parts;
}

function proposal(answer) {
  const pull = answer.pullRequest || {};
  const link = pull.link ? externalLink(pull.opened ? "Open the pull request" : "Open a pull request for this branch", pull.link) : null;
  return [
    h("p", {}, "Branch ", h("code", { "data-branch": answer.branch }, answer.branch), ` (into ${answer.targetBranch}). `, link),
    pull.note ? h("p", { class: "muted small" }, pull.note) : null,
    pull.body ? h("details", { class: "pull-request-body", open: true }, h("summary", {}, "Pull request description (Markdown)"), h("pre", { class: "manifest" }, pull.body)) : null,
  ];
}

/** One promotion among the history's rows (newest first): no ID, a rollback names deployments. */
export function promotionRow(item) {
  const changed = (item.changed || []).map((c) => `${c.key}=${c.new}`);
  const pairs = (changed.length ? changed : (item.values || []).map((v) => `${v.key}=${v.value}`)).join(", ");
  const from = `${item.source}${item.sourceRevision ? `@${shortSha(item.sourceRevision)}` : ""}`;
  let what = `Promoted ${pairs} from ${from}`;
  let where = shortSha(item.commit);
  if (item.outcome === "proposed") {
    what += `, proposed on branch ${item.branch}`;
    where = item.branch;
  }
  if (item.outcome === "refused") what = `Refused: ${item.message}`;
  const link = item.pullRequest ? externalLink("pull request", item.pullRequest) : null;
  return h(
    "tr",
    { "data-promotion": item.outcome, class: item.outcome === "refused" || item.forced ? "warning" : "" },
    h("td", {}, h("span", { class: "badge", title: "A promotion, not a deployment" }, "Promotion")),
    h("td", { class: "mono", title: item.commit || item.branch || "" }, where || ""),
    h("td", {}, when(item.promotedAt)),
    h("td", {}, item.initiatedBy?.username || ""),
    h("td", {}, what, item.forced ? " (forced)" : "", link ? [" — ", link] : null),
    h("td", {}),
  );
}
