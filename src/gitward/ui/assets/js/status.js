// Sync and health states as badges: an icon, a word and a colour (never colour alone).
import { h } from "./dom.js";

const HEALTH = {
  Healthy: ["♥", "ok"],
  Progressing: ["◔", "busy"],
  Degraded: ["✖", "bad"],
  Suspended: ["⏸", "idle"],
  Missing: ["∅", "warn"],
  Unknown: ["?", "idle"],
};

const SYNC = {
  Synced: ["✔", "ok"],
  OutOfSync: ["⇄", "warn"],
  Unknown: ["?", "idle"],
};

const PHASE = {
  Running: ["◔", "busy"],
  Terminating: ["◔", "busy"],
  Succeeded: ["✔", "ok"],
  Failed: ["✖", "bad"],
  Error: ["✖", "bad"],
};

function badge(table, kind, value, message) {
  const [icon, tone] = table[value] || ["?", "idle"];
  return h(
    "span",
    { class: `badge ${tone}`, title: message ? `${value}: ${message}` : value, dataset: { [kind]: value || "Unknown" } },
    h("span", { class: "icon", "aria-hidden": "true" }, icon),
    value || "Unknown",
  );
}

export const healthBadge = (health) => badge(HEALTH, "health", health?.status || "Unknown", health?.message);
export const syncBadge = (sync) => badge(SYNC, "sync", sync?.status || "Unknown");
export const phaseBadge = (phase, message) => badge(PHASE, "phase", phase, message);

export const HEALTH_STATES = Object.keys(HEALTH);
export const SYNC_STATES = Object.keys(SYNC);

/** "Syncing" when an operation runs, as Argo CD shows it next to the sync state. */
export function isSyncing(app) {
  const phase = app?.status?.operationState?.phase;
  return phase === "Running" || phase === "Terminating";
}
