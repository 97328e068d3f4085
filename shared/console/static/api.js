// The one way the console talks to the admin API: the key from this tab's session storage in
// X-API-Key (never in a URL, a cookie or a log line), answers and RFC 9457 problems parsed.

const KEY = "prompt-console.api-key";
const TIMEOUT_MS = 15000;

export const session = {
  key: () => sessionStorage.getItem(KEY),
  save: (key) => sessionStorage.setItem(KEY, key),
  forget: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  // What a person should read, by what the status means for them.
  get explanation() {
    const detail = this.problem.detail || "";
    switch (this.status) {
      case 0: return `API unreachable: ${detail}`;
      case 401: return `Not signed in: ${detail}`;
      case 403: return `Forbidden: ${detail}`;
      case 409: return `Conflict: ${detail}`;
      case 412: return "Someone else changed this since you loaded it; reload and try again.";
      case 503: return `API degraded: ${detail} Retry in a moment.`;
      default: return `${this.problem.title || "Error"} (${this.status}): ${detail}`;
    }
  }
}

export async function api(method, path, { body, ifMatch, key = session.key() } = {}) {
  const headers = { Accept: "application/json" };
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    });
  } catch {
    const detail = abort.signal.aborted
      ? `no answer within ${TIMEOUT_MS / 1000} s.`
      : "the request did not reach the admin function.";
    throw new ApiError(0, { title: "API unreachable", detail });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, data && typeof data === "object" ? data : { title: response.statusText });
  }
  return { data, etag: response.headers.get("ETag") };
}

export const get = (path) => api("GET", path);

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// Every page of a listing (bounded: a console list is for reading, not for bulk export).
export async function all(path, { max = 1000 } = {}) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const { data } = await get(`${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor && items.length < max);
  return { items, more: Boolean(cursor) };
}
