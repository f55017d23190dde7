// What the challenge asks, in words a child reads: the goal sentence with its icon,
// the program a challenge opens on (a debugging challenge opens on its starter), and
// what a simulator run did ("Le robot est arrivé !" / "Le robot s'est arrêté ici").
// Classic script: window.MalletteGoals; editor.js calls it, the mat is drawn by
// simulator.js from the marks the station derives from the criteria (lessons/goals.py).
(function () {
  "use strict";
  const WORDS = {
    fr: { arrived: "🏁 Le robot est arrivé !",
          passed: "📍 Le robot est passé sur la cible, puis s'est arrêté ici.",
          stopped: "📍 Le robot s'est arrêté ici.",
          collided: "💥 Le robot a cogné un obstacle : il s'est arrêté ici.",
          limit: "⏱️ Le programme était trop long : le robot s'est arrêté ici.",
          starter: "Voici le programme de départ du défi. ↩ ramène ton programme d'avant.",
          goal: "Objectif" },
    en: { arrived: "🏁 The robot has arrived!",
          passed: "📍 The robot went over the target, then stopped here.",
          stopped: "📍 The robot stopped here.",
          collided: "💥 The robot bumped into an obstacle: it stopped here.",
          limit: "⏱️ The program ran too long: the robot stopped here.",
          starter: "Here is the challenge's starting program. ↩ brings back your earlier program.",
          goal: "Goal" },
  };
  function words(lang) { return WORDS[lang === "en" ? "en" : "fr"]; }

  /** Show the challenge's goal sentence and icon in `box` (hidden when it has none). */
  function show(box, challenge) {
    if (!box) return;
    box.hidden = !challenge.goal;
    box.querySelector(".goal-icon").textContent = challenge.icon || "🎯";
    box.querySelector(".goal-text").textContent = challenge.goal || "";
  }

  /**
   * The program the editor opens on: a challenge's starter when the group has not yet
   * worked in this session (its earlier versions stay behind ↩), otherwise its latest.
   * Returns {program, version} (version null: nothing saved is on screen).
   */
  function opening(info, challenge) {
    const latest = info.latest;
    const workedHere = latest && latest.session_id === info.session.id;
    if (challenge.starter && !workedHere) return { program: challenge.starter, version: null };
    if (latest) return { program: latest.program, version: latest.version };
    return { program: challenge.starter || null, version: null };
  }

  function same(a, b) { return a[0] === b[0] && a[1] === b[1]; }
  function inOrder(wanted, cells) {
    let i = 0;
    return wanted.every((w) => {
      while (i < cells.length && !same(cells[i], w)) i += 1;
      return i++ < cells.length;
    });
  }

  /**
   * What a run did, for the pupil: {kind: "ok" | "hint", text, stop: {col, row, kind}}.
   * `result` is the simulator's run result, `marks` the challenge's goal marks.
   */
  function outcome(result, marks, lang) {
    const W = words(lang);
    const here = [result.final.col, result.final.row];
    const stop = { col: here[0], row: here[1], kind: "stopped" };
    if (result.collided) return { kind: "hint", text: W.collided, stop };
    if (result.events.some((e) => e.type === "limit" && e.reason !== "max_iterations")) {
      return { kind: "hint", text: W.limit, stop };
    }
    const target = marks && marks.target;
    if (target) {
      const corners = marks.corners || [];
      if (same(here, target) && inOrder(corners, result.cells)) {
        return { kind: "ok", text: W.arrived, stop: Object.assign(stop, { kind: "arrived" }) };
      }
      if (marks.arrive === "pass" && result.cells.some((c) => same(c, target))) {
        return { kind: "ok", text: W.passed, stop };
      }
    }
    return { kind: "hint", text: W.stopped, stop };
  }

  window.MalletteGoals = { show, opening, outcome, words };
})();
