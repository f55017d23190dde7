// Drafts of a group's robot program: nothing lost between taps, one program for the
// tablets of a group.
//
// - Every change in the workspace is kept at once in this tablet (localStorage, keyed by
//   group), and sent to the station a moment later (debounced) as a new version; a draft
//   that cannot reach the station (Wi-Fi drop, station restarting) stays in the tablet
//   and is sent again until the station answers. The sign in the header says which:
//   "✓ enregistré" or "… pas encore enregistré".
// - A reload, a tablet that slept, or another tablet of the group finds the program:
//   this tablet's own unsent draft first, else the station's latest version.
// - Tablets of one group follow each other: the station announces each saved version
//   on the live stream ("program.saved"), and a tablet with no unsent edits loads it.
//   why follow rather than pass a pen: groups of 2–4 share two tablets and swap them;
//   a pen would have to be handed over (and a sleeping tablet would keep it), whereas
//   following needs nothing from the pupils unless both edit in the same seconds.
// - Never a silent overwrite: each save names the version its edits started from
//   ("base"); if the other tablet saved since, the station refuses (409) and the pupils
//   choose which program to keep; the one not kept stays a version. Versions are never
//   overwritten, so ↩ reaches every earlier one.
(function () {
  "use strict";
  const DEBOUNCE_MS = 1000;   // a pause this long in the edits sends them
  const MAX_WAIT_MS = 4000;   // ...and edits that never pause are sent this often
  const RETRY_MS = 3000;      // a draft the station did not get is sent again this often
  const PENDING_SIGN_MS = 2000;  // edits not saved by then show "pas encore enregistré"
  const KEEP_DAYS = 60;       // a forgotten draft (another term, another school) is dropped

  function create(workspace, options) {
    const M = window.Mallette;
    const sign = document.getElementById("draft-sign");
    const banner = document.getElementById("draft-conflict");
    const storeKey = "mallette.draft." + options.group.id;
    let base = options.latest ? options.latest.version : null;  // what the station holds
    // ...as this workspace's program; why also without a version: opening the editor
    // (an empty workspace or the challenge's starter) is no edit, and saves nothing
    let syncedKey = key();
    // why: the editor may open on something else than the station's latest version (a
    // debugging challenge's starter, goals.js): then ↩ first brings the latest back, and
    // this tablet's copy of the latest does not replace what was opened
    let showsBase = options.shown === undefined || options.shown === base;
    let saving = null, timer = null, firstChange = 0, signTimer = null, retryTimer = null;
    let conflict = null, remoteWanted = 0, undoFrom = null, undoKey = null;

    function key() { return JSON.stringify(MalletteBlocks.workspaceToProgram(workspace)); }
    function dirty() { return key() !== syncedKey; }

    // ---- the tablet's copy -------------------------------------------------------------
    function read() {
      try {
        const rec = JSON.parse(localStorage.getItem(storeKey) || "null");
        if (!rec || rec.group !== options.group.name) return null;
        if (Date.now() - rec.at > KEEP_DAYS * 86400000) return null;
        return rec;
      } catch (e) { return null; }
    }
    function store() {
      try {
        localStorage.setItem(storeKey, JSON.stringify({
          group: options.group.name, base: base, pending: dirty(), at: Date.now(),
          state: Blockly.serialization.workspaces.save(workspace) }));
      } catch (e) { /* storage full or forbidden: the station still gets the draft */ }
    }

    // ---- the sign ----------------------------------------------------------------------
    function setSign(state) {
      clearTimeout(signTimer); signTimer = null;
      if (sign) sign.dataset.state = state;
    }
    function pendingSoon() {
      if (signTimer || (sign && sign.dataset.state === "pending")) return;
      signTimer = setTimeout(() => { signTimer = null; if (dirty()) setSign("pending"); },
                             PENDING_SIGN_MS);
    }

    // ---- loading a program into the workspace ------------------------------------------
    function undeletableStart() {
      workspace.getTopBlocks(false).forEach((b) => {
        if (b.type === "start") b.setDeletable(false);
      });
    }
    function loadProgram(program) {
      MalletteBlocks.programToWorkspace(program, workspace);
      MalletteBlocks.ensureStart(workspace);
      undeletableStart();
    }
    function loadState(state) {
      workspace.clear();
      Blockly.serialization.workspaces.load(state, workspace);
      MalletteBlocks.ensureStart(workspace);
      undeletableStart();
    }
    // The station holds ``program`` as ``version``: load it into the workspace.
    function adopt(version, program) {
      loadProgram(program);
      base = version;
      showsBase = true;
      syncedKey = key();
      store();
      setSign("saved");
    }
    // The station saved ``program`` (as sent from this workspace) as ``version``
    // elsewhere than here (a challenge checked): the edits made since stay to send.
    function saved(version, program) {
      base = version;
      showsBase = true;
      syncedKey = JSON.stringify(program);
      changed();
    }

    // ---- sending to the station --------------------------------------------------------
    function changed(event) {
      if (event && event.isUiEvent) return;
      store();
      if (undoKey !== null && key() !== undoKey) { undoFrom = null; undoKey = null; }
      if (!dirty()) {
        if (!saving && !conflict) setSign("saved");
        return;
      }
      if (conflict) return;  // the pupils are choosing; their edits are kept meanwhile
      pendingSoon();
      const now = Date.now();
      if (!timer) firstChange = now;
      clearTimeout(timer);
      const wait = Math.min(DEBOUNCE_MS, Math.max(0, firstChange + MAX_WAIT_MS - now));
      timer = setTimeout(() => { timer = null; saveNow(false); }, wait);
    }

    // Send the workspace's program now (a button, or the debounce). Answers "saved",
    // "offline" (kept in the tablet, sent again soon), "refused" or "conflict".
    async function saveNow(manual) {
      clearTimeout(timer); timer = null;
      clearTimeout(retryTimer); retryTimer = null;
      while (saving) await saving;
      if (conflict) return "conflict";
      if (!dirty() && base !== null) { setSign("saved"); return "saved"; }
      const program = MalletteBlocks.workspaceToProgram(workspace);
      const sentKey = JSON.stringify(program);
      let outcome;
      saving = (async () => {
        try {
          const out = await M.api("POST", options.saveUrl, { program: program, base: base });
          base = out.version;
          showsBase = true;
          syncedKey = sentKey;
          outcome = "saved";
        } catch (err) {
          outcome = failed(err, manual);
        }
      })();
      await saving;
      saving = null;
      store();
      if (outcome === "saved") {
        if (dirty()) changed(); else setSign("saved");
        follow();
      }
      return outcome;
    }

    function failed(err, manual) {
      setSign("pending");
      if (err.status === 409 && err.data && err.data.latest) {
        showConflict(err.data.latest);
        return "conflict";
      }
      if (err.status === 422) {
        if (options.onRefused) options.onRefused(err, manual);
        return "refused";
      }
      if (err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        if (options.onRefused) options.onRefused(err, manual);  // sending again won't help
        return "refused";
      }
      // no answer (Wi-Fi), the station restarting, a full server: try again soon
      retryTimer = setTimeout(() => { retryTimer = null; saveNow(false); }, RETRY_MS);
      return "offline";
    }

    // ---- the other tablet --------------------------------------------------------------
    function showConflict(latest) {
      conflict = latest;
      if (banner) banner.hidden = false;
    }
    function resolve(keepMine) {
      const latest = conflict;
      if (!latest) return;
      conflict = null;
      if (banner) banner.hidden = true;
      if (keepMine) {  // mine goes on top of theirs, which stays a version (↩ reaches it)
        base = latest.version;
        saveNow(true);
      } else {
        takeTheirs(latest);
      }
    }
    // why not simply load theirs: a wrong tap must not lose this tablet's blocks. They are
    // saved as a version, then theirs again on top: ↩ brings this tablet's blocks back.
    async function takeTheirs(latest) {
      let version = latest.version;
      const mine = MalletteBlocks.workspaceToProgram(workspace);
      saving = (async () => {
        try {
          const kept = await M.api("POST", options.saveUrl, { program: mine, base: version });
          const back = await M.api("POST", options.saveUrl,
                                   { program: latest.program, base: kept.version });
          version = back.version;
        } catch (err) { /* not kept (no answer, or newer still): theirs is loaded anyway */ }
      })();
      await saving;
      saving = null;
      adopt(version, latest.program);
      follow();  // the other tablet may have gone on while the pupils were choosing
    }
    if (banner) {
      banner.querySelector("[data-keep=mine]").addEventListener("click", () => resolve(true));
      banner.querySelector("[data-keep=theirs]").addEventListener("click", () => resolve(false));
    }

    // A newer version was saved (by the other tablet, or by this one): load it if this
    // tablet has nothing unsent; otherwise its next save meets the conflict and asks.
    async function follow() {
      if (saving || conflict || remoteWanted <= (base || 0) || dirty()) return;
      if (workspace.isDragging && workspace.isDragging()) { setTimeout(follow, 500); return; }
      const wanted = remoteWanted;
      let out;
      try { out = await M.api("GET", options.versionsUrl + "/" + wanted); }
      catch (e) { return; }  // the next announcement, or a reload, brings it
      if (saving || conflict || dirty() || (base || 0) >= out.version) return;
      adopt(out.version, out.program);
      undoFrom = null; undoKey = null;
      follow();  // announced while this one was on its way
    }
    // A stream (re)opened: it may have missed announcements (a station restarted, a
    // tablet asleep for long): ask which version is the latest.
    async function catchUp() {
      try {
        const list = (await M.api("GET", options.versionsUrl)).versions;
        if (list.length) remoteWanted = Math.max(remoteWanted, list[0].version);
      } catch (e) { return; }
      follow();
    }
    const live = {
      "program.saved": (msg) => {
        const p = msg.payload || {};
        if (p.kind !== "robot" || !p.version) return;
        remoteWanted = Math.max(remoteWanted, p.version);
        follow();
      },
      "live.open": catchUp,
    };

    // ---- ↩: the previous version, as a new version on top (none is ever overwritten) --
    // Answers the version loaded, null when there is none older, false when the edits
    // on screen could not be saved first (the sign or the question says why).
    async function undo() {
      if (conflict) return false;
      if (dirty() && (await saveNow(true)) !== "saved") return false;
      const list = (await M.api("GET", options.versionsUrl)).versions;
      const from = undoFrom !== null ? undoFrom
        : (base === null || !showsBase ? Infinity : base);
      const older = list.find((v) => v.version < from);
      if (!older) return null;
      const out = await M.api("GET", options.versionsUrl + "/" + older.version);
      loadProgram(out.program);
      undoFrom = older.version;
      undoKey = key();
      changed();
      return older.version;
    }

    // ---- start: this tablet's unsent draft wins, then the station's latest --------------
    const local = read();
    if (local && local.pending) {
      // edits the station never got (Wi-Fi drop, dead battery): send them, based on the
      // version they started from, so that the station says if the other tablet moved on
      loadState(local.state);
      if (key() !== syncedKey) base = local.base;  // else the station has it already
      changed();
    } else if (local && base !== null && local.base === base && showsBase) {
      loadState(local.state);  // same version: the exact workspace (loose blocks too)
      syncedKey = key();
    }
    setSign(dirty() ? "pending" : "saved");
    workspace.addChangeListener(changed);
    window.addEventListener("online", () => { if (dirty()) saveNow(false); });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden && dirty()) saveNow(false);  // a tablet going to sleep
    });

    return {
      saveNow: saveNow,
      adopt: adopt,
      saved: saved,
      conflict: showConflict,
      undo: undo,
      live: live,
      version: () => base,
    };
  }

  window.MalletteDrafts = { create: create };
})();
