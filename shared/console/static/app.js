// The console shell: sign-in, the caller's role, the router and the one error banner.
import { api, ApiError, session } from "./api.js";
import { clear, fill, h } from "./dom.js";
import { auditPage } from "./audit.js";
import { analyticsPage } from "./analytics.js";
import { experimentPage, experimentsPage } from "./experiments.js";
import { guardrailsPage } from "./guardrails.js";
import { diffPage, editorPage, templatePage, templatesPage, versionPage } from "./templates.js";

const RANK = { service: 0, viewer: 1, editor: 2, publisher: 3, admin: 4 };
const $ = (id) => document.getElementById(id);

// What every page receives: who is signed in, what they may do, where to draw, how to fail.
const ctx = {
  me: null,
  can(minimum) {
    return this.me !== null && (RANK[this.me.role] ?? -1) >= RANK[minimum];
  },
  view: $("view"),
  fail(error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(error.explanation);
      return;
    }
    showBanner(error instanceof ApiError ? error.explanation : `Unexpected error: ${error.message}`);
  },
  // Go to a page, optionally with a notice that the new page shows once drawn.
  go(hash, notice = null) {
    pendingNotice = notice;
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

function showBanner(text, kind = "") {
  const banner = $("banner");
  banner.className = `banner ${kind}`;
  banner.textContent = text;
  banner.hidden = false;
}

function hideBanner() {
  $("banner").hidden = true;
}

const ROUTES = [
  [/^#\/templates\/([^/]+)\/versions\/(\d+)$/, versionPage],
  [/^#\/templates\/([^/]+)\/edit\/(\d+)$/, editorPage],
  [/^#\/templates\/([^/]+)\/diff\/(\d+)\/(\d+)$/, diffPage],
  [/^#\/templates\/([^/]+)$/, templatePage],
  [/^#\/templates$/, templatesPage],
  [/^#\/experiments\/([^/]+)$/, experimentPage],
  [/^#\/experiments$/, experimentsPage],
  [/^#\/analytics$/, analyticsPage],
  [/^#\/guardrails$/, guardrailsPage],
  [/^#\/audit$/, auditPage],
];

let generation = 0;
let pendingNotice = null;

async function route() {
  if (!ctx.me) return;
  const hash = location.hash || "#/templates";
  hideBanner();
  if (pendingNotice) showBanner(pendingNotice, "info");
  pendingNotice = null;
  for (const link of document.querySelectorAll("#nav a")) {
    const current = hash.startsWith(link.getAttribute("href"));
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const match = ROUTES.map(([pattern, page]) => [hash.match(pattern), page]).find(([m]) => m);
  const view = clear(ctx.view);
  if (!match) {
    view.append(h("p", { class: "empty" }, "No such page. ", h("a", { href: "#/templates" }, "Templates")));
    return;
  }
  const [found, page] = match;
  const mine = ++generation;
  // A page drawn for an older hash must not land on top of the current one.
  const pageCtx = { ...ctx, current: () => mine === generation };
  view.append(h("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const args = found.slice(1).map(decodeURIComponent);
    const content = await page(pageCtx, ...args);
    if (mine !== generation) return;
    fill(view, content);
  } catch (error) {
    if (mine !== generation) return;
    fill(view, h("p", { class: "empty error" }, "This page could not be loaded."));
    ctx.fail(error);
  }
}

function enter(data) {
  ctx.me = data;
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  const via = { iap: " (via IAP)", google: " (Google identity)" }[data.kind] || "";
  $("who").textContent = `${data.id} · ${data.role}${via}`;
  document.body.dataset.role = data.role;
  return route();
}

async function signIn(key) {
  const { data } = await api("GET", "/v1/me", { key });
  if ((RANK[data.role] ?? -1) < RANK.viewer) {
    throw new ApiError(403, { detail: `this key has role '${data.role}'; the console needs viewer or higher.` });
  }
  session.save(key);
  await enter(data);
}

// Behind Identity-Aware Proxy every request carries IAP's signed header, and an admin
// function configured for it (IAP_AUDIENCE) knows the person without a key (so does one
// whose proxy adds an ID token it accepts): ask once, with no credential of our own.
// Elsewhere this is a 401 and the key form stays as it is.
async function signInThroughProxy() {
  let data;
  try {
    ({ data } = await api("GET", "/v1/me", { key: null }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 403 && !ctx.me) {
      $("sign-in-error").textContent = `${error.explanation} Sign in with an API key instead.`;
    }
    return;
  }
  if (ctx.me || session.key() || data.kind === "api_key") return; // a key sign-in came first
  if ((RANK[data.role] ?? -1) < RANK.viewer) {
    $("sign-in-error").textContent = `${data.id} has role '${data.role}'; the console needs viewer or higher.`;
    return;
  }
  await enter(data);
}

function signOut(reason = "") {
  session.forget();
  ctx.me = null;
  clear(ctx.view);
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  delete document.body.dataset.role;
  hideBanner();
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = reason;
  $("api-key").value = "";
  $("api-key").focus();
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("api-key").value.trim();
  $("sign-in-error").textContent = "";
  try {
    $("api-key").value = "";
    await signIn(key);
  } catch (error) {
    $("sign-in-error").textContent = error instanceof ApiError ? error.explanation : error.message;
  }
});

$("sign-out").addEventListener("click", () => {
  const identity = ctx.me && ctx.me.kind !== "api_key" ? ctx.me.id : null;
  signOut(identity ? `Signed out of the console. The proxy still signs you in as ${identity}: reload to come back, or sign in with an API key.` : "");
});
window.addEventListener("hashchange", route);

const saved = session.key();
if (saved) {
  signIn(saved).catch((error) => signOut(error instanceof ApiError ? error.explanation : error.message));
} else {
  signOut();
  signInThroughProxy();
}
