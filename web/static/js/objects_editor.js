// The pupils' 3D object editor: object blocks -> the station builds and checks the mesh ->
// 3D preview on the printer's bed, "Imprimer", file import, and the group's print status.
import { createPreview } from "./preview3d.js";

const app = document.getElementById("objects-app");
const M = window.Mallette;
const lang = (app && app.dataset.lang) === "en" ? "en" : "fr";
const T = {
  fr: { building: "La station construit ton objet…", ok: "Ton objet peut être imprimé !",
        notOk: "Ton objet ne peut pas encore être imprimé.", sent: "Envoyé ! L'animateur va le regarder.",
        checking: "La station vérifie ton objet…", network: "La station ne répond pas. Réessaie.",
        noPrevious: "Pas de version plus ancienne.", back: "Version précédente chargée",
        importing: "La station lit ton fichier…", end: "fin vers", left: "encore",
        offline: "L'imprimante ne répond plus : ton objet est gardé, on attend qu'elle revienne.",
        reason: "Pourquoi :", none: "Pas encore d'impression.", min: "min",
        whenAccepted: "Le défi sera réussi quand l'animateur aura accepté ton objet." },
  en: { building: "The station is building your object…", ok: "Your object can be printed!",
        notOk: "Your object cannot be printed yet.", sent: "Sent! The facilitator will look at it.",
        checking: "The station is checking your object…", network: "The station does not answer. Try again.",
        noPrevious: "No older version.", back: "Previous version loaded",
        importing: "The station is reading your file…", end: "ends around", left: "still",
        offline: "The printer does not answer: your object is kept until it comes back.",
        reason: "Why:", none: "No print yet.", min: "min",
        whenAccepted: "The challenge is passed once the facilitator accepts your object." },
}[lang];
const ICONS = { ok: "✅", warning: "⚠️", blocking: "⛔" };

let info = null, workspace = null, preview = null, version = null, timer = null;
const result = document.getElementById("result");
const verdict = document.getElementById("verdict");
const state = document.getElementById("preview-state");

function show(kind, text, cause) {
  result.dataset.cause = cause || "";  // "busy": a print of the group was still going on
  result.hidden = false;
  result.className = "result " + kind;
  result.textContent = text;
}

function showFindings(findings) {
  verdict.innerHTML = "";
  (findings || []).forEach((f) => {
    const li = document.createElement("li");
    li.className = "finding finding-" + f.severity;
    li.dataset.code = f.code;
    const icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = ICONS[f.severity] || "•";
    li.append(icon, " ", f.message);
    verdict.append(li);
  });
}

function highlight(blockId) {
  const block = blockId && workspace.getBlockById(blockId);
  if (block) { block.select(); workspace.centerOnBlock(blockId); }
}

function object() { return MalletteObjectBlocks.workspaceToObject(workspace); }

let asked = 0;  // why: only the newest preview may speak (an older answer can arrive last)
let askedFor = null;  // the object of the newest preview, as JSON
async function refresh() {
  const mine = ++asked;
  clearTimeout(timer);
  state.textContent = T.building;
  const doc = object();
  askedFor = JSON.stringify(doc);
  try {
    const out = await M.api("POST", app.dataset.previewUrl, { object: doc });
    if (mine !== asked) return;
    version = out.version;
    preview.setMesh(out.mesh);
    showFindings(out.findings);
    state.textContent = out.printable ? "✅ " + T.ok : "⛔ " + T.notOk;
    app.dataset.previewed = String(out.version);
    result.hidden = true;
  } catch (err) {
    if (mine !== asked || (err.data && err.data.superseded)) return;  // a newer one is coming
    state.textContent = "";
    show("error", "🧐 " + (err.message || T.network));
    if (err.data) highlight(err.data.block_id);
  }
}

function scheduleRefresh() {
  // why: Blockly reports the blocks it has just loaded as changes; an object already
  // previewed is not built again (30 tablets opening a 3D session would build it twice)
  if (JSON.stringify(object()) === askedFor) return;
  clearTimeout(timer);
  timer = setTimeout(refresh, 1200);
}

async function print() {
  show("hint", T.checking);
  const challenge = document.getElementById("challenge");
  try {
    const out = await M.api("POST", app.dataset.submitUrl,
                            { object: object(), challenge: challenge ? challenge.value : null });
    version = out.version;
    showFindings(out.findings);
    const c = out.challenge;
    // why no 🏆 yet: a print challenge is passed only once the facilitator accepts the print
    show("ok", "🖨️ " + T.sent + (c ? (c.passed ? " ⏳ " + T.whenAccepted : " 💡 " + c.message) : ""));
    await loadPrints();
  } catch (err) {
    const data = err.data || {};
    if (data.findings) showFindings(data.findings);
    const c = data.challenge;
    show("error", "🧐 " + (err.message || T.network) + (c && c.message ? " 💡 " + c.message : ""),
         err.status === 409 ? "busy" : "");
    highlight(data.block_id);
  }
}

async function importFile(input) {
  const file = input.files && input.files[0];
  if (!file) return;
  show("hint", T.importing);
  const body = new FormData();
  body.append("file", file);
  try {
    const resp = await fetch(app.dataset.importUrl, {
      method: "POST", body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": M.csrf } });
    const data = await resp.json().catch(() => ({}));
    if (data.mesh) preview.setMesh(data.mesh);
    if (data.findings) showFindings(data.findings);
    if (!resp.ok) { show("error", "🧐 " + (data.message || T.network)); return; }
    show("ok", "🖨️ " + T.sent);
    await loadPrints();
  } catch (err) {
    show("error", T.network);
  } finally {
    input.value = "";
  }
}

async function undo() {
  const list = (await M.api("GET", app.dataset.versionsUrl)).versions;
  const older = list.find((v) => v.version < (version || Infinity));
  if (!older) { show("hint", T.noPrevious); return; }
  const out = await M.api("GET", app.dataset.versionsUrl + "/" + older.version);
  MalletteObjectBlocks.objectToWorkspace(out.object, workspace);
  version = older.version;
  show("hint", "↩ " + T.back + " (" + older.version + ")");
}

function timeOf(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString(lang === "en" ? "en-GB" : "fr-FR", { hour: "2-digit", minute: "2-digit" });
}

const ACTIVE = ["submitted", "approved", "sliced", "queued", "printing"];
function renderPrints(jobs) {
  // "your previous object is not printed yet" goes once it is printed, refused or cancelled
  if (result.dataset.cause === "busy" && !jobs.some((job) => ACTIVE.includes(job.state))) {
    result.hidden = true;
    result.dataset.cause = "";
  }
  const list = document.getElementById("prints");
  list.innerHTML = "";
  if (!jobs.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = T.none;
    list.append(li);
    return;
  }
  jobs.forEach((job) => {
    const li = document.createElement("li");
    li.className = "print-item state-" + job.state;
    li.dataset.state = job.state;
    li.dataset.job = job.id;
    const head = document.createElement("p");
    head.className = "print-head";
    head.textContent = job.icon + " " + job.title + " — " + job.label;
    li.append(head);
    if (job.estimate && !["refused", "failed", "cancelled"].includes(job.state)) {
      const est = document.createElement("p");
      est.className = "print-estimate";
      est.textContent = "⏱️ " + job.estimate;
      li.append(est);
    }
    if (job.state === "printing") {
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = job.progress;
      li.append(bar, " " + Math.round(job.progress) + " %");
      if (job.estimated_end) {
        const end = document.createElement("p");
        end.className = "print-end";
        end.textContent = "⏰ " + T.end + " " + timeOf(job.estimated_end);
        li.append(end);
      }
    }
    if (job.printer_offline) {
      const off = document.createElement("p");
      off.className = "print-offline";
      off.textContent = "🔌 " + T.offline;
      li.append(off);
    }
    if (job.reason && (job.state === "refused" || job.state === "failed")) {
      const why = document.createElement("p");
      why.className = "print-reason";
      why.textContent = T.reason + " " + job.reason;
      li.append(why);
    }
    list.append(li);
  });
}

async function loadPrints() {
  try {
    const out = await M.api("GET", app.dataset.printsUrl);
    renderPrints(out.jobs);
  } catch (err) { /* the next poll will try again */ }
}

async function start() {
  info = await M.api("GET", app.dataset.sessionUrl);
  if (!info.open) { location.href = "/groupe/"; return; }
  version = info.version;
  workspace = MalletteObjectBlocks.inject(document.getElementById("blockly"), {
    allowedBlocks: info.session.toolbox, object: info.object,
  });
  window.malletteWorkspace = workspace;
  preview = createPreview(document.getElementById("preview3d"));
  window.mallettePreview = preview;
  if (info.printer) preview.setBed(info.printer);
  renderPrints(info.jobs || []);
  workspace.addChangeListener((e) => {
    if (!e.isUiEvent && e.type !== Blockly.Events.FINISHED_LOADING) scheduleRefresh();
  });
  document.getElementById("btn-preview").addEventListener("click", refresh);
  document.getElementById("btn-print").addEventListener("click", print);
  document.getElementById("btn-undo").addEventListener("click", undo);
  document.getElementById("import-file").addEventListener("change", (e) => importFile(e.target));
  window.addEventListener("resize", () => Blockly.svgResize(workspace));
  setInterval(loadPrints, 4000);
  if (M.live) {
    M.live({ "session.closed": () => M.goSoon("/groupe/"),
             "print.queued": loadPrints, "print.finished": loadPrints });
  }
  await refresh();
}

if (app) start().catch((err) => show("error", err.message || T.network));
