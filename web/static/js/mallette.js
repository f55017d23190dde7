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

  window.Mallette = { api, live, csrf };
})();
