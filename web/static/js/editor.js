// The pupils' program editor: Blockly workspace -> program model -> simulator,
// saved versions (drafts.js: saved as the pupil edits, shared by the group's tablets),
// challenge submission and sending to the robot.
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
          checking: "La station vérifie…", network: "La station ne répond pas. Réessaie.",
          finished: "Le robot a fini ton programme.", stopped: "Le robot est arrêté." },
    en: { saved: "Saved", refused: "Oops: ", sending: "Sending to the robot…",
          running: "The robot is running your program!", failed: "The robot did not get it: ",
          noPrevious: "No older version.", back: "Previous version loaded",
          checking: "The station is checking…", network: "The station does not answer. Try again.",
          finished: "The robot has finished your program.", stopped: "The robot is stopped." },
  }[lang === "en" ? "en" : "fr"];

  const canvas = document.getElementById("sim");
  const result = document.getElementById("result");
  const select = document.getElementById("challenge");
  let info = null, workspace = null, player = null, drafts = null;

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

  // A save the station refused: say why; a tap on a button also shows the block.
  function refused(err, manual) {
    if (err.status === 422) {
      show("error", T.refused + err.message);
      if (manual) highlight(err.data.problems);
    } else show("error", err.message || T.network);
  }
  async function save() {
    const outcome = await drafts.saveNow(true);
    if (outcome === "offline") show("error", T.network);
    return outcome === "saved";
  }

  async function tryIt() {
    // the simulator runs in the tablet: a draft not yet saved (no Wi-Fi) can still be tried
    const outcome = await drafts.saveNow(true);
    if (outcome === "refused" || outcome === "conflict") return;
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
    MalletteBlocks.ensureStart(workspace);  // drafts.js saves it as the group's program
    show("hint", MalletteGoals.words(lang).starter);
  }

  async function check() {
    show("pending", T.checking);
    const url = app.dataset.challengeUrl.replace("__ID__", encodeURIComponent(challenge().id));
    if (!(await save())) return;
    const sent = program();
    try {
      const out = await M.api("POST", url, { program: sent, base: drafts.version() });
      drafts.saved(out.version, sent);
      if (player) player.stop();
      player = MalletteSim.animate(canvas, program(), mat(), { speed: 3, marks: challenge().marks });
      runEnded(player);
      show(out.passed ? "ok" : "hint", (out.passed ? "🏆 " : "💡 ") + out.message);
    } catch (err) {
      if (err.status === 409 && err.data && err.data.latest) drafts.conflict(err.data.latest);
      else refused(err, true);
    }
  }

  const STAGES = {
    fr: { compiling: "Je traduis ton programme…", sending: "J'envoie au robot…",
          verifying: "Je vérifie…", starting: "Le robot démarre…" },
    en: { compiling: "Translating your program…", sending: "Sending to the robot…",
          verifying: "Checking…", starting: "The robot is starting…" },
  }[lang === "en" ? "en" : "fr"];
  const ROBOT_POLL_MS = 3000;  // the live stream says each stage; this poll is the fallback

  // What the group's robot is doing, as the station says (live "robot.status", or the
  // poll); true once the send has come to its end (running, stopped, failed).
  let robotStage = null, following = null;
  function showRobot(st) {
    robotStage = st.stage;
    if (st.stage === "running") { show("ok", "🤖 " + T.running); return true; }
    if (st.stage === "finished") { show("ok", "🏁 " + T.finished); return true; }
    if (st.stage === "stopped") { show("hint", "🛑 " + T.stopped); return true; }
    if (st.stage === "error" || st.stage === "lost") { show("error", "⚠️ " + T.failed + st.message); return true; }
    if (!STAGES[st.stage]) return false;
    const pct = st.stage === "sending" ? " " + Math.round(st.fraction * 100) + " %" : "";
    show("pending", STAGES[st.stage] + pct);
    return false;
  }
  function robotHeard(st) {
    if (!info.robot || st.robot_id !== info.robot.id) return;
    if (!following && st.stage === robotStage) return;  // nothing new to say
    if (showRobot(st) && following) following();
  }
  function stoppedAll() {  // the facilitator pressed "Arrêter tous les robots"
    robotStage = "stopped";
    show("hint", "🛑 " + T.stopped);
    if (following) following();
  }
  // Follow a send until its end: live messages, and a slow poll in case the stream is down.
  function followSend(ms) {
    return new Promise((resolve) => {
      const until = Date.now() + ms;
      let timer = null;
      following = () => { clearTimeout(timer); following = null; resolve(); };
      const poll = async () => {
        if (!following) return;
        if (Date.now() > until) { show("error", T.failed + T.network); following(); return; }
        try {
          if (showRobot(await M.api("GET", app.dataset.robotUrl)) && following) { following(); return; }
        } catch (err) { /* the live stream or the next poll */ }
        if (following) timer = setTimeout(poll, ROBOT_POLL_MS);
      };
      timer = setTimeout(poll, ROBOT_POLL_MS);
    });
  }

  async function send() {
    if (!(await save())) return;
    const button = document.getElementById("btn-send");
    button.disabled = true;
    show("pending", T.sending);
    try {
      await M.api("POST", app.dataset.sendUrl, { version: drafts.version() });
      await followSend(60000);
    } catch (err) {
      show("error", T.failed + (err.message || T.network));
    } finally {
      button.disabled = false;
    }
  }

  async function undo() {
    try {
      const older = await drafts.undo();
      if (older === false) return;
      if (older === null) { show("hint", T.noPrevious); return; }
      show("hint", "↩ " + T.back + " (" + older + ")");
    } catch (err) { show("error", err.message || T.network); }
  }

  async function start() {
    info = await M.api("GET", app.dataset.sessionUrl);
    if (!info.open) { location.href = "/groupe/"; return; }
    const opened = MalletteGoals.opening(info, challenge());
    workspace = MalletteBlocks.inject(document.getElementById("blockly"), {
      // why smaller on a 1024 px tablet: a "tourner … degrés" block must fit beside the
      // toolbox without running under the scrollbar
      allowedBlocks: info.session.toolbox, program: opened.program,
      scale: window.innerWidth <= 1100 ? 0.9 : 1.1,
    });
    window.malletteWorkspace = workspace;  // for tests and the curious
    drafts = MalletteDrafts.create(workspace, {
      group: info.group, latest: info.latest, shown: opened.version, onRefused: refused,
      saveUrl: app.dataset.saveUrl, versionsUrl: app.dataset.versionsUrl,
    });
    drawStill();
    select.addEventListener("change", chooseChallenge);
    document.getElementById("btn-run").addEventListener("click", tryIt);
    document.getElementById("btn-check").addEventListener("click", check);
    document.getElementById("btn-send").addEventListener("click", send);
    document.getElementById("btn-undo").addEventListener("click", undo);
    window.addEventListener("resize", () => Blockly.svgResize(workspace));
    if (M.live) {
      M.live(Object.assign({
        "session.closed": () => M.goSoon("/groupe/"),
        "robot.status": (msg) => robotHeard(msg.payload || {}),
        "robots.stop_all": stoppedAll,
      }, drafts.live));
    }
  }
  start().catch((err) => show("error", err.message || T.network));
})();
