// Notebook workspace: CodeMirror answer cells, debounced autosave with a version check,
// runs polled cell by cell, upload/download, submit with live grading. No inline script or
// style: every output is added with textContent or as <img src="data:..."> (never as HTML).
// Every request ends in one of: done, signed out, forbidden, refused (the server's words), server
// error, network failure; each is said as such. Unsaved text is also kept in this browser
// (localStorage) until the server has it, so signing out or losing the connection loses nothing.
import { createEditor, supported } from "./editor.js";

const root = document.getElementById("workspace");
const msg = (name) => root.dataset["msg" + name.replace(/(^|-)(\w)/g, (_m, _d, c) => c.toUpperCase())] || "";
const saveBox = root.querySelector(".ws-save");
const messageBox = root.querySelector(".ws-message");
const banner = root.querySelector(".ws-banner");
const nonceMeta = document.querySelector('meta[property="csp-nonce"]');
const styleNonce = nonceMeta ? nonceMeta.nonce : "";
const cells = new Map(); // key -> {li, get(), set(text)}
let version = Number(root.dataset.version);
let dirty = false, timer = null, conflict = false;
let lastProblem = null; // why the last save failed, for Submit to say

function headers(json) {
  const h = { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" };
  if (json) { h["Content-Type"] = "application/json"; }
  return h;
}

function say(text, kind) {
  messageBox.textContent = text || "";
  messageBox.className = "ws-message" + (kind ? " " + kind : "");
}

// ---- requests -------------------------------------------------------------------------
// The outcome of one request: {ok, kind, status, body}; kind is ok | signed-out | forbidden |
// refused | server | offline. A signed-out JSON request answers 401; a login page reached by a
// redirect (no JSON) means the same.
async function call(url, options) {
  let response;
  try {
    response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
  } catch (_err) {
    return { ok: false, kind: "offline", status: 0, body: {} };
  }
  const body = await response.json().catch(() => null);
  const status = response.status;
  if (response.ok && body) { return { ok: true, kind: "ok", status: status, body: body }; }
  let kind = "server";
  if (status === 401 || (body && body.error === "signed_out") || (!body && response.redirected)) { kind = "signed-out"; }
  else if (status === 403) { kind = "forbidden"; }
  else if (status < 500 && body && body.message) { kind = "refused"; }
  return { ok: false, kind: kind, status: status, body: body || {} };
}

function problemText(result) {
  if (result.kind === "signed-out") { return msg("signed-out"); }
  if (result.kind === "forbidden") { return result.body.message || msg("forbidden"); }
  if (result.kind === "refused") { return result.body.message; }
  if (result.kind === "offline") { return msg("network"); }
  return msg("server");
}

// Says what went wrong in the message line; signed out, with a link that signs in and comes back.
function sayProblem(result, prefix) {
  say((prefix ? prefix + " " : "") + problemText(result), "error");
  if (result.kind === "signed-out") {
    const link = document.createElement("a");
    link.href = root.dataset.loginUrl;
    link.textContent = msg("sign-in");
    messageBox.append(" ", link);
  }
}

// ---- the copy kept in this browser ----------------------------------------------------
const backupKey = "academy-workspace:" + root.dataset.draftUrl;

function backUp() {
  try { window.localStorage.setItem(backupKey, JSON.stringify({ version: version, cells: answers() })); } catch (_err) { /* storage full or off */ }
}

function dropBackup() {
  try { window.localStorage.removeItem(backupKey); } catch (_err) { /* storage off */ }
}

// Text typed here that the server never got (signed out, offline, tab closed) comes back into the
// editors and is saved; on a newer server version the save is refused and kept as a copy (409).
function restoreBackup() {
  let kept = null;
  try { kept = JSON.parse(window.localStorage.getItem(backupKey) || "null"); } catch (_err) { kept = null; }
  if (!kept || typeof kept.cells !== "object" || kept.cells === null) { return; }
  const current = answers();
  const keys = Object.keys(kept.cells).filter((key) => cells.has(key) && cells.get(key).set && current[key] !== kept.cells[key]);
  if (!keys.length) { dropBackup(); return; }
  keys.forEach((key) => { cells.get(key).set(String(kept.cells[key])); });
  version = Number(kept.version) || 0;
  say(msg("restored"), "ok");
  changed();
}

function answers() {
  const out = {};
  cells.forEach((cell, key) => { if (cell.get) { out[key] = cell.get(); } });
  return out;
}

// ---- drafts ---------------------------------------------------------------------------
function changed() {
  dirty = true;
  backUp();
  saveBox.textContent = msg("unsaved");
  window.clearTimeout(timer);
  if (!conflict) { timer = window.setTimeout(save, 700); }
}

// Saves run one after another (a chain), each sending the version the previous one returned,
// so two saves from this tab can never race each other into a false conflict.
let chain = Promise.resolve(true);
let queued = 0;

function save(force) {
  if (conflict && !force) { return Promise.resolve(false); }
  window.clearTimeout(timer);
  queued += 1;
  chain = chain.then(() => sendDraft(force)).finally(() => { queued -= 1; });
  return chain;
}

async function sendDraft(force) {
  if (!dirty && !force) { return true; }
  if (conflict && !force) { return false; }
  dirty = false;
  saveBox.textContent = msg("saving");
  const result = await call(root.dataset.draftUrl, {
    method: "PUT", headers: headers(true), body: JSON.stringify({ version: version, cells: answers() })
  });
  const body = result.body;
  if (result.ok) {
    version = body.version;
    lastProblem = null;
    if (dirty) { backUp(); } else { saveBox.textContent = msg("saved"); dropBackup(); }
    saveBox.classList.remove("error");
    if (messageBox.querySelector("a")) { say("", ""); } // the sign-in link is no longer needed
    return true;
  }
  dirty = true;
  lastProblem = result;
  saveBox.classList.add("error");
  if (result.status === 409) {
    conflict = true;
    version = body.version; // "keep mine" saves on top of the newer version
    banner.querySelector(".ws-banner-text").textContent = body.message;
    banner.hidden = false;
    dropBackup(); // the server kept this tab's edits as a copy
    saveBox.textContent = body.message;
  } else if (result.kind === "signed-out") {
    backUp();
    saveBox.textContent = msg("kept");
    sayProblem(result);
  } else if (result.kind === "offline") {
    saveBox.textContent = msg("offline");
    timer = window.setTimeout(save, 5000);
  } else {
    saveBox.textContent = problemText(result);
  }
  return false;
}

function saveOnLeave() {
  if (!dirty || conflict) { return; }
  // A save in flight will have bumped the version by the time this one arrives; if it
  // failed instead, this one is refused and kept on the server as a copy (nothing lost).
  fetch(root.dataset.draftUrl, {
    method: "PUT", credentials: "same-origin", headers: headers(true), keepalive: true,
    body: JSON.stringify({ version: queued ? version + 1 : version, cells: answers() })
  });
  dirty = false;
}

// ---- outputs --------------------------------------------------------------------------
function pre(text, cls) {
  const el = document.createElement("pre");
  el.className = cls;
  el.textContent = text;
  return el;
}

function renderResult(li, result) {
  const box = li.querySelector(".ws-output");
  const status = li.querySelector(".ws-status");
  box.replaceChildren();
  li.classList.remove("pass", "fail", "pending");
  if (!result || result.status === "pending") {
    li.classList.add("pending");
    status.textContent = msg("running");
    return;
  }
  status.textContent = "";
  if (result.test) {
    li.classList.add(result.passed ? "pass" : "fail");
    status.textContent = result.passed ? "✓ " + msg("passed") : "✗ " + msg("failed");
  }
  result.outputs.forEach((out) => {
    if (out.type === "image") {
      const img = document.createElement("img");
      img.alt = msg("image");
      img.src = "data:" + out.mime + ";base64," + out.data;
      box.appendChild(img);
    } else if (out.type === "error") {
      box.appendChild(pre(out.text, "ws-out ws-error"));
    } else if (out.type === "note") {
      box.appendChild(pre(out.text, "ws-out ws-note"));
    } else {
      box.appendChild(pre(out.text, "ws-out" + (out.name === "stderr" ? " ws-stderr" : "")));
    }
  });
  if (result.status === "stopped" || (result.reason && result.status !== "error")) {
    box.appendChild(pre(result.reason || msg("not-run"), "ws-out ws-error"));
  }
}

// ---- runs -----------------------------------------------------------------------------
let running = false;

async function run(key) {
  if (running) { return; }
  running = true;
  say("", "");
  root.classList.add("busy");
  try {
    if (dirty || queued) { await save(); }
    const result = await call(root.dataset.runUrl, {
      method: "POST", headers: headers(true), body: JSON.stringify({ cell: key || null })
    });
    if (!result.ok) { sayProblem(result); return; }
    await poll(result.body.status_url, result.body);
  } finally {
    running = false;
    root.classList.remove("busy");
  }
}

async function poll(url, first) {
  let body = first, shown = {};
  for (;;) {
    Object.entries(body.results).forEach(([key, result]) => {
      const text = JSON.stringify(result);
      if (shown[key] !== text && cells.has(key)) { renderResult(cells.get(key).li, result); shown[key] = text; }
    });
    if (body.done) {
      if (body.error) { say(body.error, "error"); }
      return;
    }
    await new Promise((resolve) => window.setTimeout(resolve, 80));
    const result = await call(url, { headers: headers(false) });
    if (!result.ok) { sayProblem(result); return; }
    body = result.body;
  }
}

// ---- submit ---------------------------------------------------------------------------
// Submit always ends with a message: sent (then the score), or why it was not.
async function submit() {
  say(msg("submitting"), "");
  if ((dirty || queued) && !(await save())) {
    sayProblem(lastProblem || { kind: "server", body: {} }, msg("not-submitted"));
    return;
  }
  const sent = await call(root.dataset.submitUrl, { method: "POST", headers: headers(true), body: "{}" });
  if (!sent.ok) { sayProblem(sent, msg("not-submitted")); return; }
  const body = sent.body;
  say(body.message, "ok");
  const section = document.getElementById("ws-result");
  const text = section.querySelector(".ws-result-text");
  const list = section.querySelector(".tests");
  section.hidden = false;
  list.replaceChildren();
  text.textContent = msg("grading");
  for (;;) {
    const polled = await call(body.status_url, { headers: headers(false) });
    if (!polled.ok) { text.textContent = msg("grading-unknown"); sayProblem(polled); return; }
    const status = polled.body;
    if (status.done) {
      if (status.state === "failed") { text.textContent = status.failure; return; }
      text.textContent = msg("score") + ": " + status.score + " / " + status.max_score;
      text.className = "ws-result-text score";
      status.tests.forEach((t) => {
        const li = document.createElement("li");
        li.className = "test " + (t.passed ? "pass" : "fail");
        const mark = document.createElement("span"); mark.className = "test-mark"; mark.textContent = t.passed ? "✓" : "✗";
        const name = document.createElement("span"); name.className = "test-name"; name.textContent = t.name;
        const pts = document.createElement("span"); pts.className = "test-points"; pts.textContent = t.points + " / " + t.max_points;
        li.append(mark, name, pts);
        if (t.message) { li.appendChild(pre(t.message, "test-message")); }
        list.appendChild(li);
      });
      section.scrollIntoView({ block: "nearest" });
      return;
    }
    await new Promise((resolve) => window.setTimeout(resolve, 250));
  }
}

// ---- upload ---------------------------------------------------------------------------
async function upload(input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file || !window.confirm(msg("upload-confirm"))) { return; }
  const form = new FormData();
  form.append("notebook", file);
  form.append("csrf_token", root.dataset.csrf);
  const result = await call(root.dataset.uploadUrl, { method: "POST", headers: { "Accept": "application/json" }, body: form });
  if (!result.ok) { sayProblem(result); return; }
  const body = result.body;
  Object.entries(body.cells).forEach(([key, text]) => { if (cells.has(key)) { cells.get(key).set(text); } });
  version = body.version;
  dirty = false;
  dropBackup();
  saveBox.textContent = msg("saved");
  say(body.message, "ok");
}

// ---- cells ----------------------------------------------------------------------------
function wireCell(li) {
  const key = li.dataset.key;
  const area = li.querySelector("textarea.ws-source");
  const cell = { li };
  if (area && li.dataset.type === "code" && supported) {
    const holder = li.querySelector(".ws-editor");
    const editor = createEditor(holder, { nonce: styleNonce, doc: area.value, label: area.labels[0].textContent, onChange: changed, onRun: () => run(key) });
    area.remove();
    holder.hidden = false;
    cell.get = editor.getValue;
    cell.set = (text) => { editor.setValue(text); };
  } else if (area) {
    area.addEventListener("input", changed);
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        if (li.dataset.type === "code") { run(key); } else { togglePreview(li, true); }
      }
    });
    cell.get = () => area.value;
    cell.set = (text) => { area.value = text; };
  }
  cells.set(key, cell);
}

async function togglePreview(li, show) {
  const area = li.querySelector("textarea");
  const box = li.querySelector(".ws-preview");
  const button = li.querySelector("[data-action=preview]");
  const on = show === undefined ? box.hidden : show;
  if (on) {
    const result = await call(root.dataset.previewUrl, { method: "POST", headers: headers(true), body: JSON.stringify({ text: area.value }) });
    if (!result.ok) { sayProblem(result); return; }
    box.innerHTML = result.body.html; // sanitised on the server (nh3); CSP blocks script anyway
  }
  box.hidden = !on;
  area.hidden = on;
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? msg("edit") : msg("preview");
  (on ? button : area).focus();
}

root.querySelectorAll(".ws-cell").forEach(wireCell);
root.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) { return; }
  const action = button.dataset.action;
  const li = button.closest(".ws-cell");
  if (action === "run-all") { run(null); }
  else if (action === "run-cell") { run(li.dataset.key); }
  else if (action === "submit") { submit(); }
  else if (action === "preview") { togglePreview(li); }
  else if (action === "take-newer") { dropBackup(); window.location.reload(); }
  else if (action === "keep-mine") { conflict = false; banner.hidden = true; save(true); }
  else if (action === "download" && (dirty || queued)) {
    event.preventDefault();
    save().then(() => { window.location.href = button.href; });
  }
});
root.querySelector("#ws-upload-file").addEventListener("change", (event) => upload(event.target));
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") { saveOnLeave(); } });
window.addEventListener("pagehide", saveOnLeave);
restoreBackup();
root.classList.add("ready");
