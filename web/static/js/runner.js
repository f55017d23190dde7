// The facilitator's session runner: a step timer that survives a reload, and the
// live table of groups (refreshed when the station announces an event).
(function () {
  "use strict";
  const root = document.querySelector(".runner");
  if (!root) return;
  const key = "mallette-timer-" + root.dataset.session;
  const steps = Array.from(document.querySelectorAll("#steps li"));
  const clockStep = document.getElementById("clock-step");
  const clockTime = document.getElementById("clock-time");
  const clockTotal = document.getElementById("clock-total");
  const toggle = document.getElementById("timer-toggle");
  const total = steps.reduce((s, li) => s + Number(li.dataset.minutes), 0);
  let st = JSON.parse(localStorage.getItem(key) || "null") ||
           { index: 0, elapsed: 0, running: false, since: null };

  function elapsedInStep() {
    return st.elapsed + (st.running ? (Date.now() - st.since) / 1000 : 0);
  }
  function save() { localStorage.setItem(key, JSON.stringify(st)); }
  function fmt(sec) {
    const neg = sec < 0; sec = Math.abs(Math.round(sec));
    return (neg ? "+" : "") + String(Math.floor(sec / 60)).padStart(2, "0") + ":" +
           String(sec % 60).padStart(2, "0");
  }
  function render() {
    const li = steps[st.index];
    const planned = Number(li.dataset.minutes) * 60;
    const left = planned - elapsedInStep();
    clockStep.textContent = (st.index + 1) + ". " + li.dataset.title;
    clockTime.textContent = fmt(left);
    clockTime.classList.toggle("late", left < 0);
    const before = steps.slice(0, st.index).reduce((s, x) => s + Number(x.dataset.minutes), 0);
    clockTotal.textContent = Math.floor(before + elapsedInStep() / 60) + " / " + total + " min";
    steps.forEach((x, i) => x.classList.toggle("current", i === st.index));
    steps.forEach((x, i) => x.classList.toggle("done", i < st.index));
    toggle.textContent = st.running ? toggle.dataset.pause : toggle.dataset.start;
  }
  toggle.dataset.start = toggle.textContent;
  toggle.dataset.pause = document.documentElement.lang === "en" ? "Pause" : "Pause";
  toggle.addEventListener("click", () => {
    if (st.running) { st.elapsed = elapsedInStep(); st.running = false; }
    else { st.running = true; st.since = Date.now(); }
    save(); render();
  });
  function go(delta) {
    const i = Math.min(steps.length - 1, Math.max(0, st.index + delta));
    if (i === st.index) return;
    st.index = i; st.elapsed = 0; st.since = Date.now();
    save(); render();
  }
  document.getElementById("step-next").addEventListener("click", () => go(1));
  document.getElementById("step-prev").addEventListener("click", () => go(-1));
  setInterval(render, 1000);
  render();

  // Live table of groups
  const box = document.getElementById("states-box");
  let pending = null;
  async function refresh() {
    const resp = await fetch(root.dataset.statesUrl, { credentials: "same-origin" });
    if (resp.ok) box.innerHTML = await resp.text();
  }
  // why a throttle, not a debounce: an upload sends "robot.status" many times a second,
  // and a debounce would keep postponing the refresh until it ends
  function soon() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 300);
  }
  if (window.Mallette) {
    window.Mallette.live({
      "group.joined": soon, "program.saved": soon, "program.sent": soon,
      "challenge.checked": soon, "print.queued": soon, "print.finished": soon,
      "robot.status": soon, "robots.stop_all": soon,
    });
  }
  document.addEventListener("mallette:robots-stopped", refresh);
  setInterval(refresh, 15000);
})();
