// Building the page safely: every value becomes text (never parsed as HTML), and a link only
// ever points at an http(s) address.

/** An element: h("a", {class: "x", href: "/y", onclick: fn}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "href") {
      const safe = safeUrl(value);
      if (safe) el.setAttribute("href", safe);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const SAFE_SCHEMES = new Set(["http:", "https:"]);

/** The URL if it is an http(s) address or a path of this site; null otherwise. */
export function safeUrl(value) {
  const text = String(value ?? "").trim();
  if (!text) return null;
  if (text.startsWith("/") && !text.startsWith("//")) return text;
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
}

/** A link to an outside address, or the text alone when the address is not http(s). */
export function externalLink(title, address) {
  const safe = safeUrl(address);
  if (!safe || safe.startsWith("/")) return h("span", { class: "unsafe-link", title: "not an http(s) link" }, title || String(address));
  return h("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, title || safe);
}

export function since(iso) {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return String(iso);
  const seconds = Math.max(0, Math.round((Date.now() - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function shortSha(revision) {
  return /^[0-9a-f]{40}$/.test(revision || "") ? revision.slice(0, 7) : revision || "";
}
