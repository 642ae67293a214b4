// The REST API and its event stream, with the session cookie. State-changing calls send JSON
// (the server refuses anything else, its CSRF rule).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthenticated = () => {};

export function whenLoggedOut(callback) {
  onUnauthenticated = callback;
}

export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let answer;
  try {
    answer = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "unavailable", "gitward's server cannot be reached: is it running?");
  }
  const text = await answer.text();
  let data = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (answer.status === 401 && path !== "/api/v1/session") onUnauthenticated();
  if (!answer.ok) throw new ApiError(answer.status, data.code || "error", data.message || answer.statusText);
  return data;
}

export const get = (path) => api("GET", path);

export function appPath(name, rest = "") {
  return `/api/v1/applications/${encodeURIComponent(name)}${rest}`;
}

const permissions = new Map();

/** Whether the user may `action` the `resource` object (asked once, then remembered). */
export async function canI(resource, action, object) {
  const key = `${resource}/${action}/${object}`;
  if (!permissions.has(key)) {
    const path = `/api/v1/account/can-i/${encodeURIComponent(resource)}/${encodeURIComponent(action)}/${object.split("/").map(encodeURIComponent).join("/")}`;
    permissions.set(key, get(path).then((answer) => answer.value === "yes", () => false));
  }
  return permissions.get(key);
}

export function forgetPermissions() {
  permissions.clear();
}

/** Follow the app event stream; returns a function that stops it. */
export function follow(query, onEvent) {
  const source = new EventSource(`/api/v1/stream/applications${query}`);
  source.onmessage = (message) => {
    try {
      const { result } = JSON.parse(message.data);
      if (result) onEvent(result.type, result.application);
    } catch {
      /* a malformed event is skipped */
    }
  };
  return () => source.close();
}
