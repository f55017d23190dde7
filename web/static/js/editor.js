// The pupils' program editor: Blockly workspace -> program model -> simulator,
// saved versions, challenge submission and sending to the robot.
(function () {
  "use strict";
  const app = document.getElementById("editor-app");
  if (!app) return;
  const M = window.Mallette;
  const lang = app.dataset.lang || "fr";
  const T = {
    fr: { saved: "Enregistré", refused: "Oups : ", sending: "Envoi au robot…",
          running: "Le robot exécute ton programme !", failed: "Le robot n'a pas reçu : ",
          noPrevious: "Pas de version plus ancienne.", back: "Version précédente chargée",
          checking: "La station vérifie…", network: "La station ne répond pas. Réessaie." },
    en: { saved: "Saved", refused: "Oops: ", sending: "Sending to the robot…",
          running: "The robot is running your program!", failed: "The robot did not get it: ",
          noPrevious: "No older version.", back: "Previous version loaded",
          checking: "The station is checking…", network: "The station does not answer. Try again." },
  }[lang === "en" ? "en" : "fr"];

  const canvas = document.getElementById("sim");
  const result = document.getElementById("result");
  const select = document.getElementById("challenge");
  let info = null, workspace = null, player = null, version = null;

  function show(kind, text) {
    result.hidden = false;
    result.className = "result " + kind;
    result.textContent = text;
  }
  function challenge() {
    return info.session.challenges.find((c) => c.id === select.value) || info.session.challenges[0];
  }
  function mat() { return challenge().mat || info.session.mat; }
  function program() { return MalletteBlocks.workspaceToProgram(workspace); }
  function drawStill() {
    if (player) player.stop();
    player = null;
    MalletteSim.draw(canvas, mat(), null, null, { marks: challenge().marks });
    MalletteGoals.show(document.getElementById("goal"), challenge());
  }
  function highlight(problems) {
    (problems || []).forEach((p) => {
      const block = p.block_id && workspace.getBlockById(p.block_id);
      if (block) { block.select(); workspace.centerOnBlock(p.block_id); }
    });
  }

  async function save() {
    try {
      const out = await M.api("POST", app.dataset.saveUrl, { program: program() });
      version = out.version;
      return true;
    } catch (err) {
      if (err.status === 422) { show("error", T.refused + err.message); highlight(err.data.problems); }
      else show("error", err.message || T.network);
      return false;
    }
  }

  async function tryIt() {
    if (!(await save())) return;
    result.hidden = true;
    if (player) player.stop();
    player = MalletteSim.animate(canvas, program(), mat(), { speed: 2, marks: challenge().marks });
    const end = await runEnded(player);
    if (end) show(end.kind, end.text);
  }

  // The end of a run: the place where the robot stopped is marked on the mat, and the
  // words for it (goals.js); nothing when another run or challenge replaced this one.
  async function runEnded(mine) {
    const res = await mine.done;
    if (player !== mine) return null;
    const end = MalletteGoals.outcome(res, challenge().marks, lang);
    MalletteSim.draw(canvas, mat(), res.final, null, { marks: challenge().marks, stop: end.stop });
    return end;
  }

  // Choosing a challenge: one with a starter program (a bug to find) opens on it, after
  // saving what is on screen so that ↩ brings it back.
  async function chooseChallenge() {
    drawStill();
    const starter = challenge().starter;
    if (!starter) return;
    if (JSON.stringify(program()) === JSON.stringify(starter)) return;
    if (workspace.getAllBlocks(false).length > 1 && !(await save())) return;
    workspace.clear();
    MalletteBlocks.programToWorkspace(starter, workspace);
    MalletteBlocks.ensureStart(workspace);
    version = null;
    show("hint", MalletteGoals.words(lang).starter);
  }

  async function check() {
    show("pending", T.checking);
    const url = app.dataset.challengeUrl.replace("__ID__", encodeURIComponent(challenge().id));
    try {
      const out = await M.api("POST", url, { program: program() });
      version = out.version;
      if (player) player.stop();
      player = MalletteSim.animate(canvas, program(), mat(), { speed: 3, marks: challenge().marks });
      runEnded(player);
      show(out.passed ? "ok" : "hint", (out.passed ? "🏆 " : "💡 ") + out.message);
    } catch (err) {
      if (err.status === 422) { show("error", T.refused + err.message); highlight(err.data.problems); }
      else show("error", err.message || T.network);
    }
  }

  const STAGES = {
    fr: { compiling: "Je traduis ton programme…", sending: "J'envoie au robot…",
          verifying: "Je vérifie…", starting: "Le robot démarre…" },
    en: { compiling: "Translating your program…", sending: "Sending to the robot…",
          verifying: "Checking…", starting: "The robot is starting…" },
  }[lang === "en" ? "en" : "fr"];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function send() {
    if (!(await save())) return;
    const button = document.getElementById("btn-send");
    button.disabled = true;
    show("pending", T.sending);
    try {
      await M.api("POST", app.dataset.sendUrl, { version: version });
      const until = Date.now() + 60000;
      while (Date.now() < until) {
        await sleep(400);
        const st = await M.api("GET", app.dataset.robotUrl);
        if (st.stage === "running" || st.stage === "finished") { show("ok", "🤖 " + T.running); return; }
        if (st.stage === "error" || st.stage === "lost") { show("error", "⚠️ " + T.failed + st.message); return; }
        const pct = st.stage === "sending" ? " " + Math.round(st.fraction * 100) + " %" : "";
        show("pending", (STAGES[st.stage] || T.sending) + pct);
      }
      show("error", T.failed + T.network);
    } catch (err) {
      show("error", T.failed + (err.message || T.network));
    } finally {
      button.disabled = false;
    }
  }

  async function undo() {
    const list = (await M.api("GET", app.dataset.versionsUrl)).versions;
    const older = list.find((v) => v.version < (version || Infinity));
    if (!older) { show("hint", T.noPrevious); return; }
    const out = await M.api("GET", app.dataset.versionsUrl + "/" + older.version);
    workspace.clear();
    MalletteBlocks.programToWorkspace(out.program, workspace);
    MalletteBlocks.ensureStart(workspace);
    version = older.version;
    show("hint", "↩ " + T.back + " (" + older.version + ")");
  }

  async function start() {
    info = await M.api("GET", app.dataset.sessionUrl);
    if (!info.open) { location.href = "/groupe/"; return; }
    const opened = MalletteGoals.opening(info, challenge());
    version = opened.version;
    workspace = MalletteBlocks.inject(document.getElementById("blockly"), {
      allowedBlocks: info.session.toolbox, program: opened.program, scale: 1.1,
    });
    window.malletteWorkspace = workspace;  // for tests and the curious
    drawStill();
    select.addEventListener("change", chooseChallenge);
    document.getElementById("btn-run").addEventListener("click", tryIt);
    document.getElementById("btn-check").addEventListener("click", check);
    document.getElementById("btn-send").addEventListener("click", send);
    document.getElementById("btn-undo").addEventListener("click", undo);
    window.addEventListener("resize", () => Blockly.svgResize(workspace));
    if (M.live) M.live({ "session.closed": () => M.goSoon("/groupe/") });
  }
  start().catch((err) => show("error", err.message || T.network));
})();
