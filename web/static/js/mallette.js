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

  // Live updates (Server-Sent Events); the browser reconnects by itself.
  function live(handlers) {
    if (!window.EventSource) return null;
    const source = new EventSource("/live/stream");
    Object.entries(handlers).forEach(([type, fn]) => {
      source.addEventListener(type, (ev) => fn(JSON.parse(ev.data)));
    });
    return source;
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
          " (" + res.elapsed_s + " s)" +
          (failed.length ? " — " + failed.map(([id, r]) => id + " : " + r.message).join(", ") : "");
        out.className = "flash " + (failed.length ? "flash-error" : "flash-ok");
      } catch (err) {
        out.textContent = err.message; out.className = "flash flash-error";
      } finally { button.disabled = false; }
    });
  });

  window.Mallette = { api, live, csrf };
})();
