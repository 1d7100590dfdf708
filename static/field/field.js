/* Field mode on the phone: register the service worker, and send visit logs through a queue kept in
 * localStorage, so that a log written without connection is sent when the connection returns.
 *
 * Each log carries a UUID made here (a resend is recognised by the server and not applied twice) and
 * the version of the visit it was written against (the server answers 409 with the visit as it is
 * now if someone changed it meanwhile: both versions are shown and the user chooses).
 */
"use strict";

(function () {
  const app = document.getElementById("field-app");
  if (!app) return;
  const i18n = JSON.parse(document.getElementById("field-i18n").textContent);
  const userId = app.dataset.userId;
  const store = "florwork.field." + userId + ".";
  let csrf = app.dataset.csrf;
  const zone = app.dataset.tz || "Europe/Rome";
  let flushing = null; // the send in progress, so that a caller can wait for it

  // --- storage -------------------------------------------------------------------------------------
  function load(name, fallback) {
    try {
      const raw = localStorage.getItem(store + name);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }
  function save(name, value) {
    localStorage.setItem(store + name, JSON.stringify(value));
  }
  const queue = () => load("queue", []);
  const problems = () => load("problems", []);
  const versions = () => load("versions", {});

  function knownVersion(visitId, pageVersion) {
    const stored = versions()[visitId];
    // Versions are UTC instants in one ISO format: the larger is the newer.
    return stored && stored > pageVersion ? stored : pageVersion;
  }
  function rememberVersion(visitId, version) {
    const all = versions();
    all[visitId] = version;
    save("versions", all);
    document.querySelectorAll('form.field-log[data-visit-id="' + visitId + '"] input[name$="version"]')
      .forEach((input) => { input.value = version; });
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- another person on this phone: drop the previous one's cached pages ---------------------------
  const previous = localStorage.getItem("florwork.field.user");
  if (previous && previous !== userId && navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: "forget" });
  }
  localStorage.setItem("florwork.field.user", userId);

  // --- the service worker ----------------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.swUrl, { scope: app.dataset.scope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        const urls = [location.href];
        performance.getEntriesByType("resource").forEach((entry) => urls.push(entry.name));
        document.querySelectorAll('link[rel="manifest"], link[rel="icon"], link[rel="apple-touch-icon"]')
          .forEach((link) => urls.push(link.href));
        if (registration.active) registration.active.postMessage({ type: "cache", urls: urls });
      })
      .catch(() => { /* no service worker (private mode, old browser): the page still works online */ });
  }

  // --- what the user sees ----------------------------------------------------------------------------
  function text(tag, value, className) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  function card(visitId) {
    return document.getElementById("visit-" + visitId);
  }

  function showStatus() {
    const status = document.getElementById("field-status");
    if (!status) return;
    const waiting = queue().length;
    const lines = [];
    if (!navigator.onLine) lines.push(i18n.offline);
    if (waiting) lines.push((waiting === 1 ? i18n.waiting_one : i18n.waiting_many).replace("{count}", String(waiting)));
    status.textContent = lines.join(" ");
    status.hidden = lines.length === 0;
    const queued = new Set(queue().map((item) => String(item.visitId)));
    document.querySelectorAll(".field-stop").forEach((el) => {
      const badge = el.querySelector(".field-queued");
      if (badge) badge.hidden = !queued.has(el.dataset.visitId);
    });
  }

  function flash(message, kind) {
    const status = document.getElementById("field-status");
    if (!status) return;
    status.hidden = false;
    status.className = "alert py-2 alert-" + (kind || "success");
    status.textContent = message;
    window.setTimeout(() => { status.className = "alert alert-warning py-2"; showStatus(); }, 4000);
  }

  function markSaved(visitId, visit, openingUrl) {
    const el = card(visitId);
    if (!el) return;
    el.classList.add("field-logged");
    const state = el.querySelector(".field-state");
    if (state && visit.result) {
      state.querySelectorAll(".badge:not(.field-queued)").forEach((b) => b.remove());
      const badge = text("span", i18n.results[visit.result] || visit.result, "badge text-bg-success me-1");
      state.prepend(badge);
    }
    if (openingUrl && !el.querySelector(".field-opening")) {
      const link = text("a", i18n.record_opening, "btn btn-warning w-100 field-tap mb-2 field-opening");
      link.href = openingUrl;
      const details = el.querySelector(".field-log-details");
      (details ? details.parentNode : el.querySelector(".card-body")).insertBefore(link, details);
    }
  }

  function describe(values) {
    const dl = document.createElement("dl");
    const rows = [
      [i18n.result, values.result ? (i18n.results[values.result] || values.result) : "—"],
      [i18n.arrived, values.arrived || "—"],
      [i18n.left, values.left || "—"],
      [i18n.notes, values.notes || "—"],
      [i18n.next_step, values.next_step || "—"],
    ];
    rows.forEach(([label, value]) => { dl.append(text("dt", label), text("dd", value)); });
    return dl;
  }

  function localTime(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString("it-IT", { hour: "2-digit", minute: "2-digit", timeZone: zone });
  }

  function showProblems() {
    const box = document.getElementById("field-conflicts");
    if (!box) return;
    box.replaceChildren();
    problems().forEach((problem, index) => {
      const item = problem.item;
      const panel = document.createElement("section");
      panel.className = "card field-conflict mb-3";
      panel.dataset.visitId = item.visitId;
      const body = document.createElement("div");
      body.className = "card-body";
      body.append(text("h2", item.organization || "", "h6"));
      const yours = {
        result: item.payload.result, arrived: item.payload.arrived_time, left: item.payload.left_time,
        notes: item.payload.notes, next_step: item.payload.next_step,
      };
      if (problem.kind === "conflict") {
        const current = problem.current;
        body.append(text("p", i18n.conflict_title, "fw-semibold text-danger"));
        const row = document.createElement("div");
        row.className = "row g-2";
        const mine = document.createElement("div");
        mine.className = "col-12 col-sm-6 field-conflict-yours";
        mine.append(text("h3", i18n.conflict_yours, "h6"), describe(yours));
        const theirs = document.createElement("div");
        theirs.className = "col-12 col-sm-6 field-conflict-theirs";
        theirs.append(text("h3", i18n.conflict_theirs, "h6"), describe({
          result: current.result, arrived: localTime(current.arrived_at), left: localTime(current.left_at),
          notes: current.notes, next_step: current.next_step,
        }));
        row.append(mine, theirs);
        body.append(row);
        const actions = document.createElement("div");
        actions.className = "d-grid gap-2 mt-2";
        const keepMine = text("button", i18n.keep_mine, "btn btn-danger field-tap field-keep-mine");
        keepMine.type = "button";
        keepMine.addEventListener("click", () => {
          const retry = Object.assign({}, item, { key: uuid4() });
          retry.payload = Object.assign({}, item.payload, { key: retry.key, version: current.version });
          dropProblem(index);
          enqueue(retry);
        });
        const keepTheirs = text("button", i18n.keep_theirs, "btn btn-outline-dark field-tap field-keep-theirs");
        keepTheirs.type = "button";
        keepTheirs.addEventListener("click", () => {
          rememberVersion(item.visitId, current.version);
          dropProblem(index);
          if (navigator.onLine) location.reload();
        });
        actions.append(keepMine, keepTheirs);
        body.append(actions);
      } else {
        body.append(text("p", i18n.rejected + ": " + (problem.message || ""), "fw-semibold text-danger"));
        body.append(describe(yours));
        const dismiss = text("button", i18n.dismiss, "btn btn-outline-dark field-tap mt-2");
        dismiss.type = "button";
        dismiss.addEventListener("click", () => dropProblem(index));
        body.append(dismiss);
      }
      panel.append(body);
      box.append(panel);
    });
  }

  function addProblem(problem) {
    const all = problems();
    all.push(problem);
    save("problems", all);
    showProblems();
  }

  function dropProblem(index) {
    const all = problems();
    all.splice(index, 1);
    save("problems", all);
    showProblems();
  }

  // --- the queue -------------------------------------------------------------------------------------
  function enqueue(item) {
    const all = queue();
    all.push(item);
    save("queue", all);
    showStatus();
    flush();
  }

  function removeFirst(key) {
    save("queue", queue().filter((item) => item.key !== key));
  }

  async function freshToken() {
    const response = await fetch(app.dataset.csrfUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok || response.redirected) return false;
    csrf = (await response.json()).csrf_token;
    return true;
  }

  // Two logs of one visit written offline carry the same starting version: once the first is saved,
  // the second was written on top of it (on this phone), not against someone else's change.
  function ownSuccessor(item) {
    const chain = load("chain", {})[item.visitId] || {};
    let version = item.payload.version;
    const seen = new Set();
    while (chain[version] && !seen.has(version)) {
      seen.add(version);
      version = chain[version];
    }
    return version;
  }
  function rememberChain(item, newVersion) {
    const all = load("chain", {});
    all[item.visitId] = all[item.visitId] || {};
    if (item.payload.version && item.payload.version !== newVersion) all[item.visitId][item.payload.version] = newVersion;
    save("chain", all);
  }

  async function send(item) {
    item.payload.version = ownSuccessor(item);
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(item.payload),
    });
  }

  function flush() {
    if (!flushing) flushing = sendQueue().finally(() => { flushing = null; });
    return flushing;
  }

  async function sendQueue() {
    try {
      let retriedToken = false;
      while (queue().length) {
        const item = queue()[0];
        let response;
        try {
          response = await send(item);
        } catch (e) {
          break; // no connection: try again when it returns
        }
        if (response.redirected || response.status === 401) {
          flash(i18n.login, "danger");
          break;
        }
        let body = {};
        try { body = await response.json(); } catch (e) { body = {}; }
        if (response.status === 400 && body.error === "csrf_failed" && !retriedToken) {
          retriedToken = true;
          if (await freshToken()) continue;
          break;
        }
        if (response.ok) {
          removeFirst(item.key);
          rememberChain(item, body.visit.version);
          rememberVersion(item.visitId, body.visit.version);
          markSaved(item.visitId, body.visit, body.opening_url);
          flash(body.duplicate ? i18n.duplicate : i18n.sent, "success");
        } else if (response.status === 409) {
          removeFirst(item.key);
          addProblem({ kind: "conflict", item: item, current: body.current });
        } else if (response.status >= 500) {
          break; // the server is in trouble: keep the log and try later
        } else {
          removeFirst(item.key);
          addProblem({ kind: "rejected", item: item, message: body.message || String(response.status) });
        }
      }
    } finally {
      showStatus();
    }
  }

  // --- the forms -------------------------------------------------------------------------------------
  function valueOf(form, name) {
    const prefix = form.dataset.prefix || "";
    const field = form.elements[prefix + name];
    if (!field) return "";
    if (field instanceof RadioNodeList) return field.value || "";
    return field.value || "";
  }

  function nowHHMM() {
    return new Date().toLocaleTimeString("it-IT", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
  }

  document.querySelectorAll("form.field-log").forEach((form) => {
    form.querySelectorAll('input[type="time"]').forEach((input) => {
      const button = text("button", i18n.now, "btn btn-outline-dark btn-sm mt-1 field-now");
      button.type = "button";
      button.addEventListener("click", () => { input.value = nowHHMM(); });
      input.insertAdjacentElement("afterend", button);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const visitId = form.dataset.visitId;
      const result = valueOf(form, "result");
      const error = form.querySelector(".field-result-missing");
      if (!result) {
        if (!error) {
          const message = text("div", i18n.result_required || "", "invalid-feedback d-block field-result-missing");
          message.setAttribute("role", "alert");
          form.querySelector("fieldset").append(message);
        }
        return;
      }
      if (error) error.remove();
      const key = uuid4();
      const orgName = (card(visitId) && card(visitId).querySelector("h2")) ? card(visitId).querySelector("h2").textContent.trim() : "";
      enqueue({
        key: key,
        visitId: visitId,
        url: form.dataset.logUrl,
        organization: orgName.replace(/\s+/g, " "),
        payload: {
          key: key,
          version: knownVersion(visitId, valueOf(form, "version")),
          result: result,
          arrived_time: valueOf(form, "arrived_time"),
          left_time: valueOf(form, "left_time"),
          notes: valueOf(form, "notes"),
          next_step: valueOf(form, "next_step"),
          follow_up_date: valueOf(form, "follow_up_date"),
        },
      });
      const details = form.closest("details");
      if (details) details.open = false;
      if (!navigator.onLine) flash(i18n.queued, "warning");
    });
  });

  // --- logging out -----------------------------------------------------------------------------------
  // The service worker keeps this user's field pages for offline use: they leave the phone with the
  // user. Logs still waiting are not dropped silently: the user is told and may send them first.
  const logoutPath = app.dataset.logoutUrl;

  function askWorkerToForget(worker) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = window.setTimeout(resolve, 3000); // a stuck worker must not block the log-out
      channel.port1.onmessage = () => { window.clearTimeout(timer); resolve(); };
      worker.postMessage({ type: "forget" }, [channel.port2]);
    });
  }

  async function forgetThisPhone() {
    const jobs = [];
    if (navigator.serviceWorker) {
      const registration = await navigator.serviceWorker.getRegistration(app.dataset.scope).catch(() => undefined);
      const worker = navigator.serviceWorker.controller || (registration && registration.active);
      if (worker) jobs.push(askWorkerToForget(worker));
    }
    // The page sees the same Cache Storage: it also clears it itself (no worker, or a worker that
    // did not answer in time).
    if (window.caches) {
      jobs.push(caches.keys().then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("field-")).map((k) => caches.delete(k)))));
    }
    await Promise.all(jobs.map((job) => job.catch(() => undefined)));
  }

  async function logOut(form) {
    const warning = document.getElementById("field-logout-warning");
    if (warning) warning.remove();
    flash(i18n.logging_out, "info");
    await forgetThisPhone();
    form.submit(); // submit() does not fire "submit" again
  }

  function warnBeforeLogout(form) {
    let panel = document.getElementById("field-logout-warning");
    if (panel) panel.remove();
    const waiting = queue().length;
    panel = document.createElement("section");
    panel.id = "field-logout-warning";
    panel.className = "alert alert-danger";
    panel.setAttribute("role", "alertdialog");
    panel.setAttribute("aria-labelledby", "field-logout-title");
    const title = text("p", (waiting === 1 ? i18n.logout_waiting_one : i18n.logout_waiting_many)
      .replace("{count}", String(waiting)), "fw-semibold mb-1");
    title.id = "field-logout-title";
    const outcome = text("p", "", "mb-2 field-logout-outcome");
    outcome.hidden = true;
    const buttons = document.createElement("div");
    buttons.className = "d-grid gap-2";
    const sendNow = text("button", i18n.send_now, "btn btn-success field-tap field-send-now");
    const anyway = text("button", i18n.logout_anyway, "btn btn-outline-danger field-tap field-logout-anyway");
    const stay = text("button", i18n.stay, "btn btn-outline-dark field-tap field-logout-stay");
    [sendNow, anyway, stay].forEach((button) => { button.type = "button"; });
    sendNow.addEventListener("click", async () => {
      sendNow.disabled = true;
      await flush();
      sendNow.disabled = false;
      if (queue().length === 0) {
        logOut(form);
      } else {
        outcome.textContent = i18n.still_waiting;
        outcome.hidden = false;
      }
    });
    anyway.addEventListener("click", () => logOut(form));
    stay.addEventListener("click", () => panel.remove());
    buttons.append(sendNow, anyway, stay);
    panel.append(title, text("p", i18n.logout_explain, "mb-2"), outcome, buttons);
    const page = document.querySelector(".field-page") || document.body;
    page.prepend(panel);
    panel.scrollIntoView({ block: "start" });
    sendNow.focus();
  }

  document.querySelectorAll("form").forEach((form) => {
    if (!logoutPath || form.getAttribute("action") !== logoutPath) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (queue().length) warnBeforeLogout(form);
      else logOut(form);
    });
  });

  // --- when to send ----------------------------------------------------------------------------------
  window.addEventListener("online", () => { showStatus(); flush(); });
  window.addEventListener("offline", showStatus);
  window.setInterval(() => { if (queue().length) flush(); }, 15000);
  // A version saved by an earlier log (the cached page may be older) goes into the forms.
  Object.entries(versions()).forEach(([visitId, version]) => {
    document.querySelectorAll('form.field-log[data-visit-id="' + visitId + '"] input[name$="version"]')
      .forEach((input) => { if (version > input.value) input.value = version; });
  });
  showProblems();
  showStatus();
  flush();
})();
