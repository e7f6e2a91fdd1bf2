// The HTTP API: JSON requests with one error type, and server-sent events from POST
// responses (fetch + ReadableStream, since EventSource cannot POST).
import { t } from "../i18n/index.js";
import { emit } from "./bus.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

async function errorFrom(res) {
  let code = "http_error";
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.json();
    if (body && body.error) ({ code, message } = body.error);
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) emit("unauthorized", { code, message });
  return new ApiError(res.status, code, message);
}

async function send(path, { method = "GET", body, signal } = {}) {
  const init = { method, credentials: "same-origin", signal, headers: {} };
  if (body instanceof FormData) {
    init.body = body; // multipart (a file upload): the browser sets the boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network_error", t("error.network"));
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** A JSON request; resolves to the parsed body (null for 204). */
export async function api(path, options = {}) {
  const res = await send(path, options);
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  return type.includes("json") ? res.json() : res.text();
}

/**
 * POST `body` to `path` and yield each server-sent event's JSON payload. Errors before the
 * stream starts throw ApiError; aborting `signal` ends the iteration with an AbortError.
 */
export async function* events(path, body, signal) {
  const res = await send(path, { method: "POST", body, signal });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
          .join("\n");
        if (!data || data === "[DONE]") continue;
        yield JSON.parse(data);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The conversations API, in one place. */
export const conversations = {
  list: (q = "") => api(`/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ""}`),
  create: (body = {}) => api("/api/conversations", { method: "POST", body }),
  get: (id) => api(`/api/conversations/${encodeURIComponent(id)}`),
  rename: (id, title) => api(`/api/conversations/${encodeURIComponent(id)}`, { method: "PATCH", body: { title } }),
  remove: (id) => api(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" }),
  stop: (id) => api(`/api/conversations/${encodeURIComponent(id)}/stop`, { method: "POST" }),
  exportUrl: (id, format) => `/api/conversations/${encodeURIComponent(id)}/export?format=${format}`,
  sendPath: (id) => `/api/conversations/${encodeURIComponent(id)}/messages`,
  regeneratePath: (id) => `/api/conversations/${encodeURIComponent(id)}/regenerate`,
  editPath: (id, messageId) =>
    `/api/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}/edit`,
};

export const auth = {
  me: () => api("/api/me"),
  login: (username, password) => api("/api/auth/login", { method: "POST", body: { username, password } }),
  register: (username, password) => api("/api/auth/register", { method: "POST", body: { username, password } }),
  logout: () => api("/api/auth/logout", { method: "POST" }),
};
