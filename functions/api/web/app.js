// Heard inbox. Everything a mention brings (text, names, handles, links) is written with
// textContent / createTextNode, never parsed as HTML. The session is an HttpOnly cookie this
// script cannot read; every call carries the X-Heard-App header (the CSRF defence).

const API = "/app/api";
const POLL_MS = 5000;
const RANK = { critical: 0, high: 1, normal: 2, low: 3 };
const OPEN = new Set(["open", "new", "acknowledged", "replied"]);
// What each platform accepts in one reply (characters); the API caps every reply at 10,000.
const LIMITS = {
  x: { public: 280, private: 10000, note: "X counts links as 23 and some characters double." },
  facebook: { public: 8000, private: 2000 },
  instagram: { public: 2200, private: 1000 },
};
const DEFAULT_LIMIT = 10000;
const DASH_POLL_MS = 30000;
const PERIODS = { "24h": 24 * 3600e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

const state = {
  me: null,
  items: [],
  selected: 0,
  seen: null, // ids already shown: later arrivals get a "new" badge
  fresh: new Set(),
  current: null, // the case open, as last read
  conflict: null,
  replyKey: null, // the Idempotency-Key of the reply being written
  timer: null,
  pages: 1, // how many pages of the listing are shown ("Load more" adds one)
  next: null, // the cursor of the page after them
  view: "inbox",
  charts: [],
  dashTimer: null,
};

const $ = (id) => document.getElementById(id);

// --- DOM: elements from data, text always as text ------------------------------------------

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "on") for (const [name, fn] of Object.entries(value)) el.addEventListener(name, fn);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) throw new Error("no inline handlers");
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function safeUrl(value) {
  // Only web links leave the app; javascript:, data: and the rest are shown as text.
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function announce(message) {
  const region = $("announce");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 50);
}

// --- the API ----------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, { body, headers } = {}) {
  const init = { method, credentials: "same-origin", headers: { "X-Heard-App": "1", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.status === 401 && path.startsWith(API)) {
    $("hosted").hidden = !(data && data.sign_in_url);
    showSignIn(state.me ? "Your session has ended: sign in again." : "");
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const api = (method, path, options) => call(method, API + path, options);
const caseUrl = (id) => `/mentions/${encodeURIComponent(id)}`;

// --- sign in ----------------------------------------------------------------------------------

function showSignIn(message) {
  stopPolling();
  state.me = null;
  $("inbox").hidden = $("dashboard").hidden = true;
  $("who").hidden = $("sign-out").hidden = $("help-button").hidden = $("views").hidden = true;
  $("sign-in").hidden = false;
  const error = $("sign-in-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("username").focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await call("POST", "/app/session", {
      body: { username: form.username.value.trim(), password: form.password.value },
    });
    form.password.value = "";
    await start();
  } catch (error) {
    const error_ = $("sign-in-error");
    error_.hidden = false;
    error_.textContent = error instanceof ApiError ? error.message : "Cannot reach Heard.";
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  try { await call("DELETE", "/app/session"); } catch { /* signed out either way */ }
  state.current = null;
  showSignIn("You are signed out.");
}

async function start() {
  try {
    state.me = await api("GET", "/me");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) showSignIn("Cannot reach Heard.");
    return;
  }
  $("sign-in").hidden = true;
  $("who").hidden = $("sign-out").hidden = $("help-button").hidden = $("views").hidden = false;
  $("who").textContent = `${state.me.display_name} (${state.me.email || state.me.username})`;
  state.seen = null;
  state.pages = 1;
  await loadBrands();
  await refreshQueue();
  startPolling();
  route();
}

// The brands to pick from (GET /brands), in every brand picker; a choice made is kept.
async function loadBrands() {
  let names = [];
  try {
    names = (await api("GET", "/brands")).brands.map((b) => b.name);
  } catch { /* the pickers keep "all" */ }
  for (const select of document.querySelectorAll("select.brand-picker")) {
    const chosen = select.value;
    select.replaceChildren(h("option", { value: "" }, "all"), ...names.map((n) => h("option", { value: n }, n)));
    select.value = names.includes(chosen) ? chosen : "";
  }
}

// --- the queue --------------------------------------------------------------------------------

function query() {
  const form = $("filters");
  const params = new URLSearchParams();
  for (const name of ["status", "assignee", "priority", "platform", "intent", "brand"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (form.elements.overdue.checked) params.set("overdue", "true");
  params.set("sort", OPEN.has(form.elements.status.value) ? "sla" : "newest");
  params.set("limit", "100");
  return params;
}

function deadlineOf(item) {
  const at = item.sla && item.sla.deadline;
  return at ? Date.parse(at) : Infinity;
}

function urgent(a, b) {
  return deadlineOf(a) - deadlineOf(b) || (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9);
}

// The first page of the listing, and as many more as "Load more" asked for.
async function readPages() {
  const params = query();
  let items = [];
  let cursor = null;
  for (let n = 0; n < state.pages; n += 1) {
    if (cursor) params.set("cursor", cursor);
    const page = await api("GET", `/mentions?${params}`);
    items = items.concat(page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { items, next_cursor: cursor };
}

async function loadMore() {
  state.pages += 1;
  await refreshQueue();
  announce(`${state.items.length} cases shown`);
}

async function refreshQueue() {
  const error = $("queue-error");
  // Only the latest read is shown: one for filters changed since (or a slow poll) answering
  // late is dropped, so the queue always matches the filters on screen.
  state.queueSeq = (state.queueSeq || 0) + 1;
  const seq = state.queueSeq;
  let page;
  try {
    page = await readPages();
  } catch (e) {
    if (seq !== state.queueSeq || (e instanceof ApiError && e.status === 401)) return;
    error.hidden = false;
    error.textContent = `The queue could not be read: ${e.message}`;
    return;
  }
  if (seq !== state.queueSeq) return;
  error.hidden = true;
  const items = page.items.slice();
  if (OPEN.has($("filters").elements.status.value)) items.sort(urgent);
  const arrived = state.seen ? items.filter((i) => !state.seen.has(i.id)) : [];
  state.seen = new Set([...(state.seen || []), ...items.map((i) => i.id)]);
  for (const item of arrived) state.fresh.add(item.id);
  if (arrived.length) announce(`${arrived.length} new mention${arrived.length > 1 ? "s" : ""} in the queue`);
  const keep = state.items[state.selected] && state.items[state.selected].id;
  state.items = items;
  const again = items.findIndex((i) => i.id === keep);
  state.selected = again >= 0 ? again : Math.min(state.selected, Math.max(items.length - 1, 0));
  state.next = page.next_cursor;
  renderQueue();
  noticeChange(items);
}

// The open case changed elsewhere: say so, and leave what is being written alone.
function noticeChange(items) {
  const c = state.current;
  const listed = c && items.find((i) => i.id === c.id);
  const notice = $("stale");
  if (!notice || !listed || listed.version <= c.version) return;
  notice.hidden = false;
  notice.replaceChildren(
    `This case changed since you opened it (now version ${listed.version}). `,
    h("button", { type: "button", on: { click: () => reload() } }, "Show the latest"),
  );
}

function renderCounts(more) {
  const items = state.items;
  const by = (p) => items.filter((i) => i.priority === p).length;
  const overdue = items.filter((i) => i.sla && i.sla.state === "breached").length;
  const parts = [`${items.length}${more ? "+" : ""} case${items.length === 1 ? "" : "s"}`];
  for (const p of ["critical", "high", "normal", "low"]) if (by(p)) parts.push(`${by(p)} ${p}`);
  parts.push(`${overdue} overdue`);
  $("counts").textContent = parts.join(" · ");
}

function slaText(sla) {
  if (!sla) return "no SLA";
  if (!sla.deadline) return `SLA ${sla.state}`;
  return relative(Date.parse(sla.deadline));
}

function relative(at) {
  const seconds = Math.round((at - Date.now()) / 1000);
  const span = Math.abs(seconds);
  const words = span < 90 ? `${span} s` : span < 5400 ? `${Math.round(span / 60)} min` : `${(span / 3600).toFixed(1)} h`;
  return seconds >= 0 ? `due in ${words}` : `overdue by ${words}`;
}

function clock(sla) {
  const el = h("span", { class: `sla-${(sla && sla.state) || "none"}` }, slaText(sla));
  if (sla && sla.deadline) el.dataset.deadline = sla.deadline;
  return el;
}

function renderQueue() {
  const more = Boolean(state.next);
  renderCounts(more);
  $("load-more").hidden = !more;
  const list = $("queue-list");
  const open = state.current && state.current.id;
  // Re-rendering must not take the keyboard focus away from the case it was on.
  const active = document.activeElement;
  const focused = active && active.classList.contains("item") ? active.dataset.id : null;
  list.replaceChildren(
    ...state.items.map((item, index) => {
      const author = item.mention.author;
      const button = h(
        "button",
        {
          type: "button",
          class: "item",
          "aria-current": index === state.selected ? "true" : "false",
          "aria-label": null,
          dataset: { id: item.id },
          on: { click: () => { state.selected = index; openCase(item.id); } },
        },
        h(
          "span",
          { class: "meta" },
          h("span", { class: `badge ${item.priority}` }, item.priority),
          state.fresh.has(item.id) ? h("span", { class: "badge fresh" }, "new") : null,
          h("span", {}, item.mention.platform),
          h("span", {}, item.status),
          h("span", {}, author.handle ? `@${author.handle}` : author.name || "someone"),
          h("span", {}, item.assignee ? `→ ${item.assignee}` : "unassigned"),
          clock(item.sla),
        ),
        h("span", { class: "text" }, snippet(item.mention.text)),
      );
      if (item.id === open) button.setAttribute("aria-pressed", "true");
      return h("li", {}, button);
    }),
  );
  if (!state.items.length) list.append(h("li", { class: "counts" }, "Nothing waiting here."));
  if (focused) {
    const again = [...list.querySelectorAll(".item")].find((b) => b.dataset.id === focused);
    if (again) again.focus();
  }
}

function snippet(text) {
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function startPolling() {
  stopPolling();
  state.timer = window.setInterval(() => {
    if (document.visibilityState === "visible" && state.me) refreshQueue();
  }, POLL_MS);
}

function stopPolling() {
  if (state.timer) window.clearInterval(state.timer);
  state.timer = null;
}

// --- one case ---------------------------------------------------------------------------------

function route() {
  if (!state.me) return;
  if (window.location.hash === "#dashboard") {
    showView("dashboard");
    return;
  }
  showView("inbox");
  const match = /^#case\/(.+)$/.exec(window.location.hash);
  if (match) openCase(decodeURIComponent(match[1]), false);
  else closeCase(false);
}

function showView(view) {
  state.view = view;
  $("inbox").hidden = view !== "inbox";
  $("dashboard").hidden = view !== "dashboard";
  $("to-inbox").setAttribute("aria-current", view === "inbox" ? "page" : "false");
  $("to-dashboard").setAttribute("aria-current", view === "dashboard" ? "page" : "false");
  window.clearInterval(state.dashTimer);
  state.dashTimer = null;
  if (view === "dashboard") {
    refreshDashboard();
    state.dashTimer = window.setInterval(() => {
      if (document.visibilityState === "visible" && state.me) refreshDashboard();
    }, DASH_POLL_MS);
    $("dashboard-title").setAttribute("tabindex", "-1");
    $("dashboard-title").focus();
  }
}

async function openCase(id, push = true) {
  if (push) {
    window.history.pushState(null, "", `#case/${encodeURIComponent(id)}`);
  }
  state.fresh.delete(id);
  state.conflict = null;
  try {
    const found = await api("GET", caseUrl(id));
    if (!state.current || state.current.id !== found.id) state.replyKey = null;
    state.current = found;
  } catch (e) {
    announce(`The case could not be read: ${e.message}`);
    return;
  }
  renderCase();
  $("inbox").classList.add("reading");
  $("case").hidden = false;
  $("case-title").focus();
  renderQueue();
}

function closeCase(push = true) {
  if (push) window.history.pushState(null, "", "#");
  state.current = null;
  $("case").hidden = true;
  $("inbox").classList.remove("reading");
  const selected = document.querySelector(".item[aria-current=true]");
  if (selected) selected.focus();
}

function person(author) {
  const name = author.name || author.handle || "someone";
  const handle = author.handle && author.name ? ` @${author.handle}` : "";
  const reach = `${Number(author.followers || 0).toLocaleString()} followers`;
  return [h("span", { class: "by" }, name + handle), ` · ${reach}`, author.verified ? " · verified" : ""];
}

function messageBlock(mention, received, label) {
  const url = mention.url && safeUrl(mention.url);
  return h(
    "article",
    { class: "message", "aria-label": label },
    h("div", {}, ...person(mention.author), ` · ${mention.platform} ${mention.kind} · `,
      h("time", { datetime: mention.created_at }, new Date(mention.created_at).toLocaleString())),
    h("p", { class: "body" }, mention.text),
    url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "Open on the platform") : null,
  );
}

function clockPanel(title, c) {
  if (!c) return h("li", {}, `${title}: no SLA`);
  const parts = [`${title}: ${c.state}`];
  if (c.target) parts.push(`target ${c.target}`);
  const el = h("li", {}, parts.join(", "));
  if (c.deadline && !c.stopped_at) {
    el.append(" · ", clock({ state: c.state, deadline: c.deadline }));
  } else if (c.stopped_at) {
    el.append(` · stopped ${new Date(c.stopped_at).toLocaleString()}`);
  }
  return el;
}

function renderCase() {
  const c = state.current;
  const m = c.mention;
  const body = $("case-body");
  const mine = state.me && c.assignee === (state.me.email || state.me.username);
  const closed = ["resolved", "ignored", "spam"].includes(c.status);
  const conflict = state.conflict
    ? h(
        "div",
        { class: "conflict", role: "alert", id: "conflict" },
        h("strong", {}, "Someone else changed this case. "),
        `Your change (${state.conflict.attempt}) was not applied. `,
        ...state.conflict.changes.map((entry) => h("div", {}, `${entry.by} ${describe(entry)} at ${new Date(entry.at).toLocaleTimeString()}.`)),
        h("div", {}, "The case below is as it is now: apply your change again if it still makes sense."),
      )
    : null;
  const actions = h(
    "div",
    { class: "actions", role: "group", "aria-label": "Actions" },
    h("button", { type: "button", id: "take", disabled: mine, on: { click: () => patch({ assignee: "me" }, "take") } }, mine ? "Yours" : "Take (t)"),
    h("button", { type: "button", id: "acknowledge", disabled: c.status !== "new", on: { click: () => patch({ status: "acknowledged" }, "acknowledge") } }, "Acknowledge (a)"),
    h("button", { type: "button", id: "resolve", class: "primary", disabled: closed, on: { click: () => patch({ status: "resolved" }, "resolve") } }, "Resolve (e)"),
    h("button", { type: "button", id: "ignore", disabled: closed, on: { click: () => patch({ status: "ignored" }, "ignore") } }, "Ignore"),
    h("button", { type: "button", id: "spam", disabled: closed, on: { click: () => patch({ status: "spam" }, "mark as spam") } }, "Spam"),
    closed ? h("button", { type: "button", id: "reopen", on: { click: () => patch({ status: "new" }, "reopen") } }, "Reopen") : null,
  );
  const assign = h(
    "form",
    { class: "inline-form", id: "assign-form", on: { submit: (e) => { e.preventDefault(); const v = e.target.assignee.value.trim(); if (v) patch({ assignee: v }, `assign to ${v}`); } } },
    h("label", { for: "assignee" }, "Assign to (email)"),
    h("input", { id: "assignee", name: "assignee", type: "email", autocomplete: "off" }),
    h("button", { type: "submit" }, "Assign"),
    c.assignee ? h("button", { type: "button", on: { click: () => patch({ assignee: null }, "unassign") } }, "Unassign") : null,
  );
  const t = c.triage;
  const triage = h(
    "section",
    { class: "panel", "aria-labelledby": "triage-title" },
    h("h3", { id: "triage-title" }, "Triage"),
    h("ul", {},
      h("li", {}, `priority ${t.priority}${c.priority_override ? ` (overridden: ${c.priority_override})` : ""}`),
      h("li", {}, `sentiment ${t.sentiment} (${t.sentiment_score.toFixed(2)})`),
      h("li", {}, `complaint ${t.complaint ? "yes" : "no"} (${Math.round(t.complaint_probability * 100)} %)`),
      h("li", {}, `intents: ${t.intents.join(", ") || "none"}`),
    ),
    h("h4", {}, "Why"),
    h("ul", {}, ...t.reasons.map((r) => h("li", {}, r))),
  );
  const sla = h(
    "section",
    { class: "panel", "aria-labelledby": "sla-title" },
    h("h3", { id: "sla-title" }, "SLA"),
    c.sla ? h("ul", {}, clockPanel("first response", c.sla.first_response), clockPanel("resolution", c.sla.resolution)) : h("p", {}, "No SLA applies (no brand policy)."),
  );
  const history = h(
    "section",
    { class: "panel", "aria-labelledby": "history-title" },
    h("h3", { id: "history-title" }, "History"),
    h("ol", {}, ...c.history.map((e) => h("li", {}, `${new Date(e.at).toLocaleString()}: ${e.by} ${describe(e)}`))),
  );
  const notes = h(
    "section",
    { class: "panel", "aria-labelledby": "notes-title" },
    h("h3", { id: "notes-title" }, "Notes"),
    h("ul", {}, ...c.notes.map((n) => h("li", {}, `${n.by}: `, n.text))),
    h("form", { class: "inline-form", id: "note-form", on: { submit: (e) => { e.preventDefault(); const v = e.target.note.value.trim(); if (v) patch({ note: v }, "add a note"); } } },
      h("label", { for: "note" }, "Note (n)"),
      h("input", { id: "note", name: "note", type: "text", maxlength: "4000", autocomplete: "off" }),
      h("button", { type: "submit" }, "Add note")),
  );
  const tags = h(
    "section",
    { class: "panel", "aria-labelledby": "tags-title" },
    h("h3", { id: "tags-title" }, "Tags"),
    h("ul", {}, ...c.tags.map((tag) => h("li", {}, tag, " ",
      h("button", { type: "button", "aria-label": `Remove tag ${tag}`, on: { click: () => patch({ remove_tags: [tag] }, `remove tag ${tag}`) } }, "×")))),
    h("form", { class: "inline-form", id: "tag-form", on: { submit: (e) => { e.preventDefault(); const v = e.target.tag.value.trim(); if (v) patch({ add_tags: [v] }, `tag ${v}`); } } },
      h("label", { for: "tag" }, "Tag"),
      h("input", { id: "tag", name: "tag", type: "text", maxlength: "40", autocomplete: "off" }),
      h("button", { type: "submit" }, "Add tag")),
  );
  body.replaceChildren(...[
    h("div", { class: "case-head" },
      h("h2", { id: "case-title", tabindex: "-1" }, ...person(m.author)),
      h("span", { class: `badge ${c.priority}` }, c.priority),
      h("span", { id: "case-status" }, `status ${c.status}`),
      h("span", { id: "case-assignee" }, c.assignee ? `assigned to ${c.assignee}` : "unassigned"),
      h("span", {}, `${c.brand} · version ${c.version}`),
      ...c.tags.map((tag) => h("span", { class: "badge" }, tag))),
    conflict,
    h("div", { id: "stale", class: "conflict", role: "status", hidden: true }),
    actions,
    assign,
    h("section", { "aria-labelledby": "conversation-title" },
      h("h3", { id: "conversation-title" }, "Conversation"),
      messageBlock(m, c.received_at, "first message"),
      ...c.messages.map((msg, i) => messageBlock(msg.mention, msg.received_at, `message ${i + 2}`)),
      ...c.replies.map((r) => h("article", { class: "message", "aria-label": "our reply" },
        h("div", { class: "by" }, `${r.requested_by} replied (${r.visibility}) · ${r.state}${r.error ? `: ${r.error}` : ""}`),
        h("p", { class: "body" }, r.text)))),
    composer(c),
    h("div", { class: "grid" }, triage, sla, notes, tags, history),
  ].filter(Boolean));
}

function describe(entry) {
  const detail = entry.detail || {};
  const bits = Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  return `${entry.action.replaceAll("_", " ")}${bits.length ? ` (${bits.join(", ")})` : ""}`;
}

// --- writing a reply --------------------------------------------------------------------------

function limitFor(platform, visibility) {
  const limits = LIMITS[platform] || {};
  return limits[visibility] || DEFAULT_LIMIT;
}

function composer(c) {
  const drafts = c.drafts || [];
  const allowed = new Set(drafts.length ? drafts.flatMap((d) => d.allowed) : ["public", "private"]);
  const first = drafts.find((d) => d.visibility) || null;
  const text = h("textarea", { id: "reply-text", name: "text", "aria-describedby": "reply-limit reply-notes" });
  const counter = h("span", { id: "reply-limit" });
  const radios = ["public", "private"].map((v) => h("label", {},
    h("input", { type: "radio", name: "visibility", value: v, disabled: !allowed.has(v),
      checked: (first ? first.visibility === v : v === "public") && allowed.has(v) }),
    v));
  const notes = h("ul", { id: "reply-notes" },
    ...[...new Set(drafts.map((d) => d.note).filter(Boolean))].map((n) => h("li", {}, n)),
    LIMITS[c.mention.platform] && LIMITS[c.mention.platform].note ? h("li", {}, LIMITS[c.mention.platform].note) : null,
    allowed.size === 0 ? h("li", {}, "The platform allows no reply now.") : null);
  const send = h("button", { type: "submit", class: "primary", id: "send-reply" }, "Send reply");
  const form = h("form", { class: "composer panel", id: "reply-form", "aria-labelledby": "reply-title",
    on: { submit: (e) => { e.preventDefault(); sendReply(form); } } },
    h("h3", { id: "reply-title" }, "Reply"),
    drafts.length ? h("div", { class: "row", role: "group", "aria-label": "Drafts" },
      ...drafts.map((d, i) => h("button", { type: "button", class: "draft", id: `draft-${i}`,
        title: d.reason, on: { click: () => useDraft(form, d) } },
        `Use draft: ${d.key}${d.visibility ? ` (${d.visibility})` : ""}`))) : null,
    h("label", { for: "reply-text" }, "Reply text (r)"),
    text,
    h("div", { class: "row" }, h("fieldset", {}, h("legend", { class: "visually-hidden" }, "Visibility"), ...radios), counter, send),
    notes,
  );
  const update = () => {
    const visibility = (form.querySelector("input[name=visibility]:checked") || {}).value || "public";
    const limit = limitFor(c.mention.platform, visibility);
    const length = [...text.value].length;
    counter.textContent = `${length} / ${limit} characters (${visibility} on ${c.mention.platform})`;
    counter.className = length > limit ? "limit-over" : "";
    send.disabled = length === 0 || length > limit || allowed.size === 0;
  };
  text.addEventListener("input", () => { state.replyKey = null; update(); });
  form.addEventListener("change", update);
  form.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); if (!send.disabled) sendReply(form); } });
  update();
  return form;
}

function useDraft(form, draft) {
  const text = form.querySelector("#reply-text");
  text.value = draft.text;
  if (draft.visibility) {
    const radio = form.querySelector(`input[name=visibility][value=${draft.visibility}]`);
    if (radio && !radio.disabled) radio.checked = true;
  }
  state.replyKey = null;
  text.dispatchEvent(new Event("input"));
  text.focus();
}

async function sendReply(form) {
  const c = state.current;
  const text = form.querySelector("#reply-text").value;
  const visibility = (form.querySelector("input[name=visibility]:checked") || {}).value || "public";
  // One key per reply written, kept on a retry, so a reply is never queued twice.
  state.replyKey = state.replyKey || crypto.randomUUID();
  const send = form.querySelector("#send-reply");
  send.disabled = true;
  try {
    const accepted = await api("POST", `${caseUrl(c.id)}/replies`, {
      body: { text, visibility },
      headers: { "Idempotency-Key": state.replyKey },
    });
    state.replyKey = null;
    announce("Reply queued: Heard sends it on the platform.");
    await reload();
    followReply(c.id, accepted.reply.id);
  } catch (e) {
    send.disabled = false;
    announce(`The reply was not queued: ${e.message}`);
    form.append(h("p", { class: "error", role: "alert" }, `The reply was not queued: ${e.message}`));
  }
}

// --- changing a case: always against the version read ----------------------------------------

async function patch(change, attempt) {
  const c = state.current;
  if (!c) return;
  try {
    state.current = await api("PATCH", caseUrl(c.id), {
      body: change,
      headers: { "If-Match": `"${c.version}"` },
    });
    state.conflict = null;
    announce(`Done: ${attempt}.`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 412 || e.status === 409)) {
      const now = await api("GET", caseUrl(c.id));
      const known = c.history.length;
      state.conflict = { attempt, changes: now.history.slice(known) };
      state.current = now;
      announce("Someone else changed this case; your change was not applied.");
    } else {
      announce(`Not done (${attempt}): ${e.message}`);
      return;
    }
  }
  renderCase();
  refreshQueue();
}

// Heard sends a reply in the background and records the outcome on the case (a new version):
// follow it for a while, so the case shown is the one the next change applies to.
async function followReply(caseId, replyId) {
  for (let i = 0; i < 30; i += 1) {
    await new Promise((done) => { window.setTimeout(done, 1000); });
    const c = state.current;
    if (!c || c.id !== caseId || state.conflict) return;
    let now;
    try { now = await api("GET", caseUrl(caseId)); } catch { return; }
    if (!state.current || state.current.id !== caseId || state.current.version !== c.version) return;
    const reply = now.replies.find((r) => r.id === replyId);
    const writing = document.getElementById("reply-text");
    if (now.version !== c.version && !(writing && writing.value)) {
      state.current = now;
      renderCase();
      refreshQueue();
    }
    if (!reply || reply.state === "sent" || reply.state === "failed") {
      announce(reply ? `The reply was ${reply.state}.` : "The reply was recorded.");
      return;
    }
  }
}

async function reload() {
  if (!state.current) return;
  state.conflict = null;
  state.current = await api("GET", caseUrl(state.current.id));
  renderCase();
  refreshQueue();
}

// --- the dashboard: GET /stats over a period, as figures, charts and tables ----------------------

async function refreshDashboard() {
  const form = $("dash-filters");
  const to = new Date();
  const from = new Date(to.getTime() - PERIODS[form.elements.period.value]);
  const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  if (form.elements.brand.value) params.set("brand", form.elements.brand.value);
  const error = $("dash-error");
  // Only the latest request is shown: an earlier one answering late is dropped.
  state.dashSeq = (state.dashSeq || 0) + 1;
  const seq = state.dashSeq;
  let stats;
  try {
    stats = await api("GET", `/stats?${params}`);
  } catch (e) {
    if (seq !== state.dashSeq || (e instanceof ApiError && e.status === 401)) return;
    error.hidden = false;
    error.textContent = `The figures could not be read: ${e.message}`;
    return;
  }
  if (seq !== state.dashSeq) return;
  error.hidden = true;
  if (state.view === "dashboard") renderDashboard(stats);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function rate(a) {
  const done = a.met + a.missed;
  return done ? a.met / done : null;
}

function percent(value) {
  return value === null ? "–" : `${Math.round(value * 100)} %`;
}

function total(tallies) {
  return tallies.reduce((sum, a) => ({ met: sum.met + a.met, missed: sum.missed + a.missed }), { met: 0, missed: 0 });
}

function renderDashboard(stats) {
  const brand = stats.brand || "every brand";
  const when = (at) => new Date(at).toLocaleString();
  $("dash-window").textContent = `${brand}, cases created ${when(stats.window_from)} to ${when(stats.window_to)}, by ${stats.series ? stats.series.bucket : "day"}`;
  const negative = stats.by_sentiment.negative || 0;
  const slas = Object.values(stats.sla);
  const figures = [
    ["cases", "Cases", String(stats.cases)],
    ["complaints", "Complaints", String(stats.complaints)],
    ["negative", "Negative", stats.cases ? `${Math.round((100 * negative) / stats.cases)} %` : "–"],
    ["resolved", "Resolved", String(stats.resolution.count)],
    ["first-response", "First response (median)", duration(stats.first_response.p50)],
    ["first-response-p90", "First response (p90)", duration(stats.first_response.p90)],
    ["resolution", "Resolution (median)", duration(stats.resolution.p50)],
    ["sla-first", "First-response SLA met", percent(rate(total(slas.map((s) => s.first_response))))],
    ["sla-resolution", "Resolution SLA met", percent(rate(total(slas.map((s) => s.resolution))))],
  ];
  $("dash-figures").replaceChildren(...figures.map(([id, label, value]) =>
    h("div", {}, h("dt", {}, label), h("dd", { id: `fig-${id}` }, value))));
  renderSeries(stats);
  renderSpikes(stats);
  renderIntents(stats);
  renderSlaByPriority(stats);
  renderPeople(stats);
}

function bucketLabel(at, bucket) {
  const d = new Date(at);
  return bucket === "hour"
    ? d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString([], { month: "short", day: "numeric" });
}

function table(caption, head, rows) {
  return h("details", {},
    h("summary", {}, `${caption}: as a table`),
    h("div", { class: "scroll" }, h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => (i ? h("td", {}, c) : h("th", { scope: "row" }, c)))))))));
}

function destroyCharts() {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
}

function resizeCharts() {
  for (const chart of state.charts) chart.setSize({ width: chartWidth(chart.root.parentElement), height: 220 });
}

function chartWidth(el) {
  return Math.max(Math.floor(el.clientWidth || el.parentElement.clientWidth) - 8, 260);
}

// A time chart with uPlot (shipped in /app/vendor); without it the tables still say it all.
function timeChart(el, xs, series, data) {
  el.replaceChildren();
  if (!window.uPlot) return;
  const opts = {
    width: chartWidth(el),
    height: 220,
    series: [{}, ...series],
    axes: [{ stroke: "#4a5360" }, { stroke: "#4a5360" }],
    scales: { y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
  };
  state.charts.push(new window.uPlot(opts, [xs, ...data], el));
}

function renderSeries(stats) {
  destroyCharts();
  const s = stats.series;
  if (!s) return;
  const xs = s.starts.map((at) => Date.parse(at) / 1000);
  const spikeAt = new Map();
  for (const spike of stats.spikes || []) {
    const t = Date.parse(spike.bucket_start) / 1000;
    const i = xs.findLastIndex((x) => x <= t);
    if (i >= 0) spikeAt.set(i, spike);
  }
  const spikes = xs.map((_, i) => (spikeAt.has(i) ? s.cases[i] : null));
  timeChart($("volume-chart"), xs, [
    { label: "Cases", stroke: "#1f4f8f", width: 2 },
    { label: "Negative", stroke: "#a50e0e", width: 2 },
    { label: "Positive", stroke: "#116329", width: 2 },
    { label: "Complaints", stroke: "#6b3fa0", width: 2, dash: [6, 4] },
    { label: "Spike", stroke: "#b45309", fill: "#b45309", width: 0, paths: () => null, points: { show: true, size: 12, fill: "#b45309" } },
  ], [s.cases, s.negative, s.positive, s.complaints, spikes]);
  $("volume-table").replaceChildren(table("Volume and sentiment",
    [s.bucket === "hour" ? "Hour" : "Day", "Cases", "Negative", "Neutral", "Positive", "Complaints", "Spike"],
    s.starts.map((at, i) => [bucketLabel(at, s.bucket), s.cases[i], s.negative[i], s.neutral[i], s.positive[i], s.complaints[i], spikeAt.has(i) ? spikeAt.get(i).kind.replace("_", " ") : ""])));
  const minutes = s.median_first_response_s.map((v) => (v === null ? null : Math.round(v / 6) / 10));
  timeChart($("response-chart"), xs, [
    { label: "First response, median (min)", stroke: "#0b57d0", width: 2, spanGaps: true, points: { show: true, size: 6 } },
  ], [minutes]);
  $("response-table").replaceChildren(table("First response over time",
    [s.bucket === "hour" ? "Hour" : "Day", "Cases", "Median first response"],
    s.starts.map((at, i) => [bucketLabel(at, s.bucket), s.cases[i], duration(s.median_first_response_s[i])])));
}

function renderSpikes(stats) {
  const box = $("spikes");
  if (stats.spikes === null || stats.spikes === undefined) {
    box.replaceChildren(h("p", {}, "Spikes are not available here (no access to the signals)."));
    return;
  }
  if (!stats.spikes.length) {
    box.replaceChildren(h("p", {}, "No spike opened a crisis in this period."));
    return;
  }
  box.replaceChildren(h("ul", {}, ...stats.spikes.map((sp) => h("li", {},
    h("strong", {}, `${sp.brand}: ${sp.kind === "volume" ? "volume" : "negative share"}`),
    ` at ${new Date(sp.bucket_start).toLocaleString()}: `,
    sp.kind === "volume"
      ? `${sp.value} mentions in ${sp.window_minutes} min, ${sp.expected.toFixed(1)} expected`
      : `${Math.round(sp.value * 100)} % negative, ${Math.round(sp.expected * 100)} % expected`,
    ` (score ${sp.score.toFixed(1)})`))));
}

function bars(rows, max) {
  return h("ul", { class: "bars" }, ...rows.map(([label, value, kind]) => {
    const fill = h("span", { class: `fill ${kind || ""}` });
    fill.style.width = `${max ? (100 * value) / max : 0}%`;
    return h("li", {}, h("span", {}, label), h("span", { class: "track", "aria-hidden": "true" }, fill), h("span", { class: "value" }, String(value)));
  }));
}

function renderIntents(stats) {
  const intents = Object.entries(stats.by_intent).sort((a, b) => b[1] - a[1]);
  const rows = [["complaints", stats.complaints, "complaints"], ...intents.map(([k, v]) => [k, v])];
  const max = Math.max(1, ...rows.map((r) => r[1]));
  $("intents").replaceChildren(
    h("p", { class: "counts" }, `Of ${stats.cases} case${stats.cases === 1 ? "" : "s"}; a case may have several intents.`),
    bars(rows, max));
}

function attainmentBar(label, a) {
  const counted = a.met + a.missed + a.open;
  const track = h("span", { class: "track", "aria-hidden": "true" });
  for (const kind of ["met", "missed", "open"]) {
    const fill = h("span", { class: `fill ${kind}` });
    fill.style.width = `${counted ? (100 * a[kind]) / counted : 0}%`;
    track.append(fill);
  }
  const r = rate(a);
  const parts = [`${a.met} met`, `${a.missed} missed`, `${a.open} open`].join(", ");
  let text = a.no_target ? `no target (${a.no_target})` : "no cases";
  if (counted) text = r === null ? `none stopped yet (${parts})` : `${percent(r)} met (${parts})`;
  return h("li", {}, h("span", {}, label), track, h("span", { class: "value" }, text));
}

function slaLegend() {
  return h("ul", { class: "legend", "aria-hidden": "true" },
    ...["met", "missed", "open"].map((k) => h("li", {}, h("span", { class: `key ${k}` }), k)));
}

function renderSlaByPriority(stats) {
  const rows = [];
  for (const p of ["critical", "high", "normal", "low"]) {
    const sla = stats.sla[p];
    if (!sla) continue;
    rows.push(attainmentBar(`${p} · first response`, sla.first_response));
    rows.push(attainmentBar(`${p} · resolution`, sla.resolution));
  }
  $("sla-priority").replaceChildren(slaLegend(), h("ul", { class: "bars sla" }, ...rows));
}

function renderPeople(stats) {
  const people = stats.by_assignee;
  if (!people.length) {
    $("sla-person").replaceChildren(h("p", {}, "No cases in this period."));
    return;
  }
  const name = (p) => p.assignee || "unassigned";
  $("sla-person").replaceChildren(
    slaLegend(),
    h("ul", { class: "bars sla" }, ...people.map((p) => attainmentBar(`${name(p)} · first response`, p.first_response))),
    table("By person", ["Person", "Cases", "Responded", "First response (median)", "First-response SLA met", "Resolution (median)", "Resolution SLA met"],
      people.map((p) => [name(p), p.cases, p.responded, duration(p.median_first_response_s), percent(rate(p.first_response)), duration(p.median_resolution_s), percent(rate(p.resolution))])),
  );
}

// --- keys and the clock -----------------------------------------------------------------------

function onKey(event) {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
    if (event.key === "Escape") target.blur();
    return;
  }
  if (!state.me || $("help").open) return;
  if (state.view === "dashboard" && event.key !== "?") return;
  const open = Boolean(state.current);
  const press = (id) => { const b = $(id); if (b && !b.disabled) b.click(); };
  switch (event.key) {
    case "j": case "k": {
      if (!state.items.length) return;
      const step = event.key === "j" ? 1 : -1;
      state.selected = Math.max(0, Math.min(state.items.length - 1, state.selected + step));
      renderQueue();
      document.querySelector(".item[aria-current=true]").focus();
      break;
    }
    case "o": case "Enter":
      if (target.tagName === "BUTTON" || target.tagName === "A") return;
      if (state.items[state.selected]) openCase(state.items[state.selected].id);
      break;
    case "t": if (open) press("take"); break;
    case "a": if (open) press("acknowledge"); break;
    case "e": if (open) press("resolve"); break;
    case "r": if (open) $("reply-text").focus(); break;
    case "n": if (open) $("note").focus(); break;
    case "/": $("filters").elements.status.focus(); break;
    case "?": $("help").showModal(); break;
    case "Escape": if (open) closeCase(); break;
    default: return;
  }
  event.preventDefault();
}

function tick() {
  for (const el of document.querySelectorAll("[data-deadline]")) {
    el.textContent = relative(Date.parse(el.dataset.deadline));
  }
}

// --- start ------------------------------------------------------------------------------------

function init() {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("filters").addEventListener("change", () => { state.seen = null; state.pages = 1; refreshQueue(); });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("back").addEventListener("click", () => closeCase());
  $("load-more").addEventListener("click", loadMore);
  $("dash-filters").addEventListener("change", refreshDashboard);
  $("dash-filters").addEventListener("submit", (e) => e.preventDefault());
  $("dash-refresh").addEventListener("click", refreshDashboard);
  window.addEventListener("resize", resizeCharts);
  $("help-button").addEventListener("click", () => $("help").showModal());
  $("help-close").addEventListener("click", () => $("help").close());
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", route);
  window.setInterval(tick, 1000);
  start();
}

init();
