// Mallette: helpers every page shares (CSRF-protected fetch, live updates).
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";

  // JSON call to the station's API, carrying the CSRF token.
  async function api(method, url, body) {
    const opts = { method, headers: { "Accept": "application/json", "X-CSRFToken": csrf },
                   credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(url, opts);
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      const err = new Error((data && data.message) || resp.statusText);
      err.status = resp.status; err.data = data;
      throw err;
    }
    return data;
  }

  // Live updates (Server-Sent Events). The station keeps one stream per login and a
  // limited number in all (kit/live.py): a stream ends after a few minutes, or at once
  // with "come back in a few seconds" when the station is full, and the browser then
  // reconnects by itself, sending the id of the last event it saw so that the station
  // replays what it missed. Here we also reconnect when the browser gives up (an error
  // answer), and, when a newer page of the same login took the stream over
  // ("live.replaced"), wait a while and only while this page is visible.
  const liveSources = [];
  function live(handlers) {
    if (!window.EventSource) return null;
    const state = { source: null, lastId: "", timer: null, backoff: 5000, waitVisible: false };
    const seen = (ev) => { if (ev.lastEventId) state.lastId = ev.lastEventId; };
    function later(ms) {
      if (state.source) state.source.close();
      state.source = null;
      clearTimeout(state.timer);
      state.timer = setTimeout(connect, ms * (0.75 + Math.random() * 0.5));
    }
    function connect() {
      state.timer = null;
      if (document.hidden && state.waitVisible) return;  // visibilitychange connects
      state.waitVisible = false;
      const url = "/live/stream" + (state.lastId ? "?last=" + encodeURIComponent(state.lastId) : "");
      const source = state.source = new EventSource(url);
      Object.entries(handlers).forEach(([type, fn]) => {
        source.addEventListener(type, (ev) => { seen(ev); fn(JSON.parse(ev.data)); });
      });
      source.addEventListener("live.open", (ev) => { seen(ev); state.backoff = 5000; });
      source.addEventListener("live.busy", seen);
      source.addEventListener("live.replaced", (ev) => {
        seen(ev); state.waitVisible = true; later(20000);
      });
      source.addEventListener("live.ended", () => {  // logged out elsewhere, class deleted
        source.close(); state.source = null; goSoon("/");
      });
      source.addEventListener("error", () => {
        if (source.readyState !== EventSource.CLOSED || state.source !== source) return;
        later(state.backoff);
        state.backoff = Math.min(state.backoff * 2, 60000);
      });
    }
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && state.waitVisible && !state.source && !state.timer) connect();
    });
    connect();
    liveSources.push(state);
    return state;
  }

  // Leave this page for ``url`` (or reload it) a moment later, at random: when the
  // facilitator opens or closes a session every tablet follows, and 30 tablets asking
  // for their pages in the same instant would queue behind each other.
  let leaving = false;
  function goSoon(url) {
    if (leaving) return;
    leaving = true;
    setTimeout(() => {
      liveSources.forEach((s) => { clearTimeout(s.timer); if (s.source) s.source.close(); });
      if (url) location.assign(url); else location.reload();
    }, Math.random() * 700);
  }

  // "Quitter" on a pupil's tablet: it submits only after being held (an adult's gesture);
  // a plain tap says so instead.
  document.querySelectorAll("button[data-hold-ms]").forEach((button) => {
    const ms = Number(button.dataset.holdMs) || 1500;
    let timer = null;
    let held = false;
    const cancel = () => {
      clearTimeout(timer); timer = null; button.classList.remove("holding");
    };
    button.addEventListener("pointerdown", () => {
      held = false; button.classList.add("holding");
      timer = setTimeout(() => { held = true; cancel(); button.form.submit(); }, ms);
    });
    ["pointerup", "pointerleave", "pointercancel"].forEach((t) => button.addEventListener(t, cancel));
    button.addEventListener("contextmenu", (e) => e.preventDefault());
    button.addEventListener("click", (e) => {
      e.preventDefault();  // only the held finger submits (once)
      if (!held) button.title = button.dataset.holdHint;
    });
  });

  // The kit's robot names by id, given by the page (facilitators read names, not ids).
  function robotNames() {
    const el = document.getElementById("robot-names");
    return el ? JSON.parse(el.textContent) : {};
  }

  // "Stop every robot": any button with data-stop-all, on any facilitator page.
  document.querySelectorAll("[data-stop-all]").forEach((button) => {
    button.addEventListener("click", async () => {
      const out = document.getElementById(button.dataset.stopAll);
      button.disabled = true;
      try {
        const res = await api("POST", "/api/v1/robots/stop-all");
        const failed = Object.entries(res.robots).filter(([, r]) => !r.ok);
        out.textContent = (failed.length ? "⚠️ " : "✅ ") + button.dataset.done +
          " (" + new Intl.NumberFormat(document.documentElement.lang || "fr").format(
            Math.round(res.elapsed_s * 1000)) + " ms)" +
          (failed.length ? " — " + failed.map(([id, r]) =>
            (robotNames()[id] || id) + " : " + r.message).join(", ") : "");
        out.className = "flash " + (failed.length ? "flash-error" : "flash-ok");
        // the page's own views (runner.js) show the robots stopped without waiting for live
        document.dispatchEvent(new CustomEvent("mallette:robots-stopped", { detail: res }));
      } catch (err) {
        out.textContent = err.message; out.className = "flash flash-error";
      } finally { button.disabled = false; }
    });
  });

  window.Mallette = { api, live, goSoon, csrf };
})();
