/*
 * Mallette robot blocks for Blockly 13: one Blockly block type per block name of
 * the program model (docs/program-model.md), a toolbox limited to a lesson's
 * blocks, and the conversions workspace ⇄ program model JSON.
 *
 * Load after blockly_compressed.js, blocks_compressed.js (for math_number) and a
 * msg/<lang>.js file. Labels follow document.documentElement.lang (French by
 * default, English second). Exposes window.MalletteBlocks.
 */
(function (global) {
  "use strict";

  var Blockly = global.Blockly;

  var LABELS = {
    fr: {
      start: "🚩 quand le programme démarre",
      move: "🤖 %1 %2 %3", forward: "⬆️ avancer de", backward: "⬇️ reculer de",
      cm: "cm", seconds_unit: "secondes",
      turn: "tourner %1 de %2 degrés", left: "↺ à gauche", right: "↻ à droite",
      wait: "⏳ attendre %1 secondes",
      light: "💡 lumière %1",
      sound: "🎵 jouer la note %1 pendant %2 s",
      repeat: "🔁 répéter %1 fois",
      repeat_until: "🔁 répéter jusqu'à %1",
      while: "🔁 tant que %1",
      if: "❓ si %1 alors",
      if_else: "❓ si %1 alors",
      else: "sinon",
      set_variable: "📦 mettre %1 à %2",
      change_variable: "📦 ajouter %2 à %1",
      stop: "⏹️ stop",
      arithmetic: "%1 %2 %3",
      sensor_obstacle: "🧱 obstacle devant",
      sensor_line: "〰️ sur la ligne",
      sensor_button: "🔘 bouton appuyé",
      sensor_sound: "👏 bruit entendu",
      not: "non %1",
      compare: "%1 %2 %3",
      when_button: "🔘 quand le bouton est appuyé",
      when_obstacle: "🧱 quand un obstacle est devant",
      colours: {
        red: "🔴 rouge", green: "🟢 vert", blue: "🔵 bleu", yellow: "🟡 jaune",
        purple: "🟣 violet", cyan: "🩵 cyan", white: "⚪ blanc", off: "⚫ éteinte",
      },
      notes: { C: "do", D: "ré", E: "mi", F: "fa", G: "sol", A: "la", B: "si" },
      categories: {
        motion: "Mouvement", show: "Lumière et son", loops: "Boucles",
        logic: "Conditions", data: "Variables et calculs", events: "Événements",
      },
      new_variable: "Créer une variable",
      default_variable: "n",
    },
    en: {
      start: "🚩 when the program starts",
      move: "🤖 %1 %2 %3", forward: "⬆️ move forward", backward: "⬇️ move backward",
      cm: "cm", seconds_unit: "seconds",
      turn: "turn %1 by %2 degrees", left: "↺ left", right: "↻ right",
      wait: "⏳ wait %1 seconds",
      light: "💡 light %1",
      sound: "🎵 play note %1 for %2 s",
      repeat: "🔁 repeat %1 times",
      repeat_until: "🔁 repeat until %1",
      while: "🔁 while %1",
      if: "❓ if %1 then",
      if_else: "❓ if %1 then",
      else: "else",
      set_variable: "📦 set %1 to %2",
      change_variable: "📦 add %2 to %1",
      stop: "⏹️ stop",
      arithmetic: "%1 %2 %3",
      sensor_obstacle: "🧱 obstacle ahead",
      sensor_line: "〰️ on the line",
      sensor_button: "🔘 button pressed",
      sensor_sound: "👏 sound heard",
      not: "not %1",
      compare: "%1 %2 %3",
      when_button: "🔘 when the button is pressed",
      when_obstacle: "🧱 when an obstacle is ahead",
      colours: {
        red: "🔴 red", green: "🟢 green", blue: "🔵 blue", yellow: "🟡 yellow",
        purple: "🟣 purple", cyan: "🩵 cyan", white: "⚪ white", off: "⚫ off",
      },
      notes: { C: "C", D: "D", E: "E", F: "F", G: "G", A: "A", B: "B" },
      categories: {
        motion: "Motion", show: "Light and sound", loops: "Loops",
        logic: "Conditions", data: "Variables and maths", events: "Events",
      },
      new_variable: "Create a variable",
      default_variable: "n",
    },
  };

  var COLOURS = {
    motion: "#2f80ed", show: "#9b51e0", loops: "#27ae60", logic: "#f2994a",
    data: "#eb5757", events: "#d4a017", start: "#d4a017",
  };

  /** Toolbox categories, in order, with the block names they may hold. */
  var CATEGORIES = [
    ["motion", ["move", "turn", "wait", "stop"]],
    ["show", ["light", "sound"]],
    ["loops", ["repeat", "repeat_until", "while"]],
    ["logic", ["if", "if_else", "sensor_obstacle", "sensor_line", "sensor_button",
               "sensor_sound", "not", "compare"]],
    ["data", ["set_variable", "change_variable", "variable", "arithmetic"]],
    ["events", ["when_button", "when_obstacle"]],
  ];
  var ALL_BLOCKS = [];
  CATEGORIES.forEach(function (c) { ALL_BLOCKS = ALL_BLOCKS.concat(c[1]); });

  var NOTES = ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5", "D5", "E5", "F5", "G5", "A5", "B5"];
  var COLOUR_NAMES = ["red", "green", "blue", "yellow", "purple", "cyan", "white", "off"];
  var EVENTS = { when_button: "button_pressed", when_obstacle: "obstacle" };
  var VARIABLE_BUTTON = "MALLETTE_CREATE_VARIABLE";
  var START = "start";

  /** Default number put in each number slot (a shadow block the pupil types over). */
  var DEFAULTS = {
    move: { AMOUNT: 20 }, turn: { DEGREES: 90 }, wait: { SECONDS: 1 },
    repeat: { TIMES: 4 }, set_variable: { VALUE: 0 }, change_variable: { BY: 1 },
    arithmetic: { A: 1, B: 1 }, compare: { A: 1, B: 1 },
  };

  function language() {
    var lang = (global.document && global.document.documentElement.lang) || "fr";
    return lang.slice(0, 2).toLowerCase() === "en" ? "en" : "fr";
  }

  function statement(type, category, message, args, extra) {
    var def = {
      type: type, message0: message, args0: args || [], colour: COLOURS[category],
      previousStatement: null, nextStatement: null, tooltip: "", helpUrl: "",
    };
    for (var k in extra || {}) def[k] = extra[k];
    return def;
  }

  function numberInput(name) { return { type: "input_value", name: name, check: "Number" }; }
  function condInput(name) { return { type: "input_value", name: name, check: "Boolean" }; }
  function body(name) { return { type: "input_statement", name: name }; }

  function definitions(lang) {
    var L = LABELS[lang];
    var colourOptions = COLOUR_NAMES.map(function (c) { return [L.colours[c], c]; });
    var noteOptions = NOTES.map(function (n) { return [L.notes[n[0]] + n[1], n]; });
    var variableField = { type: "field_variable", name: "VAR", variable: L.default_variable };
    return [
      { type: START, message0: L.start, nextStatement: null, colour: COLOURS.start,
        tooltip: "", helpUrl: "" },
      statement("move", "motion", L.move, [
        { type: "field_dropdown", name: "DIRECTION",
          options: [[L.forward, "forward"], [L.backward, "backward"]] },
        numberInput("AMOUNT"),
        { type: "field_dropdown", name: "UNIT",
          options: [[L.cm, "distance_cm"], [L.seconds_unit, "seconds"]] },
      ], { inputsInline: true }),
      statement("turn", "motion", L.turn, [
        { type: "field_dropdown", name: "DIRECTION",
          options: [[L.left, "left"], [L.right, "right"]] },
        numberInput("DEGREES"),
      ], { inputsInline: true }),
      statement("wait", "motion", L.wait, [numberInput("SECONDS")], { inputsInline: true }),
      statement("stop", "motion", L.stop, []),  // blocks after it are allowed (never run)
      statement("light", "show", L.light, [
        { type: "field_dropdown", name: "COLOUR", options: colourOptions }]),
      statement("sound", "show", L.sound, [
        { type: "field_dropdown", name: "NOTE", options: noteOptions },
        { type: "field_number", name: "SECONDS", value: 0.5, min: 0.1, max: 4, precision: 0.1 },
      ]),
      statement("repeat", "loops", L.repeat + " %2", [numberInput("TIMES"), body("DO")],
                { inputsInline: true }),
      statement("repeat_until", "loops", L.repeat_until + " %2", [condInput("CONDITION"),
                                                                 body("DO")]),
      statement("while", "loops", L.while + " %2", [condInput("CONDITION"), body("DO")]),
      statement("if", "logic", L.if + " %2", [condInput("CONDITION"), body("THEN")]),
      statement("if_else", "logic", L.if_else + " %2", [condInput("CONDITION"), body("THEN")], {
        message1: L.else + " %1", args1: [body("ELSE")],
      }),
      statement("set_variable", "data", L.set_variable, [variableField, numberInput("VALUE")],
                { inputsInline: true }),
      statement("change_variable", "data", L.change_variable,
                [variableField, numberInput("BY")], { inputsInline: true }),
      { type: "variable", message0: "%1", args0: [variableField], output: "Number",
        colour: COLOURS.data, tooltip: "", helpUrl: "" },
      { type: "arithmetic", message0: L.arithmetic, args0: [
        numberInput("A"),
        { type: "field_dropdown", name: "OP",
          options: [["+", "+"], ["−", "-"], ["×", "*"], ["÷", "/"]] },
        numberInput("B"),
      ], inputsInline: true, output: "Number", colour: COLOURS.data, tooltip: "", helpUrl: "" },
      { type: "sensor_obstacle", message0: L.sensor_obstacle, output: "Boolean",
        colour: COLOURS.logic, tooltip: "", helpUrl: "" },
      { type: "sensor_line", message0: L.sensor_line, output: "Boolean",
        colour: COLOURS.logic, tooltip: "", helpUrl: "" },
      { type: "sensor_button", message0: L.sensor_button, output: "Boolean",
        colour: COLOURS.logic, tooltip: "", helpUrl: "" },
      { type: "sensor_sound", message0: L.sensor_sound, output: "Boolean",
        colour: COLOURS.logic, tooltip: "", helpUrl: "" },
      { type: "not", message0: L.not, args0: [condInput("CONDITION")], output: "Boolean",
        colour: COLOURS.logic, tooltip: "", helpUrl: "" },
      { type: "compare", message0: L.compare, args0: [
        numberInput("A"),
        { type: "field_dropdown", name: "OP",
          options: [["<", "<"], [">", ">"], ["=", "="], ["≠", "≠"]] },
        numberInput("B"),
      ], inputsInline: true, output: "Boolean", colour: COLOURS.logic, tooltip: "", helpUrl: "" },
      { type: "when_button", message0: L.when_button, message1: "%1", args1: [body("DO")],
        colour: COLOURS.events, tooltip: "", helpUrl: "" },
      { type: "when_obstacle", message0: L.when_obstacle, message1: "%1", args1: [body("DO")],
        colour: COLOURS.events, tooltip: "", helpUrl: "" },
    ];
  }

  /** (Re)define every block in `lang` ("fr" or "en"; default: the page's language). */
  function define(lang) {
    Blockly.common.defineBlocksWithJsonArray(definitions(lang || language()));
  }

  function shadowNumber(value) {
    return { shadow: { type: "math_number", fields: { NUM: value } } };
  }

  function toolboxEntry(type) {
    var entry = { kind: "block", type: type };
    var defaults = DEFAULTS[type];
    if (defaults) {
      entry.inputs = {};
      for (var input in defaults) entry.inputs[input] = shadowNumber(defaults[input]);
    }
    return entry;
  }

  /**
   * A category toolbox with only `allowedBlocks` (block names of the program
   * model; all of them when null). Empty categories are left out.
   */
  function toolbox(allowedBlocks, lang) {
    var L = LABELS[lang || language()];
    var allowed = allowedBlocks == null ? ALL_BLOCKS : Array.from(allowedBlocks);
    var contents = [];
    CATEGORIES.forEach(function (category) {
      var names = category[1].filter(function (n) { return allowed.indexOf(n) >= 0; });
      if (!names.length) return;
      var items = [];
      if (category[0] === "data" && names.some(function (n) { return n !== "arithmetic"; })) {
        items.push({ kind: "button", text: L.new_variable, callbackKey: VARIABLE_BUTTON });
      }
      names.forEach(function (n) { items.push(toolboxEntry(n)); });
      contents.push({ kind: "category", name: L.categories[category[0]],
                      colour: COLOURS[category[0]], contents: items });
    });
    return { kind: "categoryToolbox", contents: contents };
  }

  // --- workspace → program model ------------------------------------------------------------

  function expr(block) {
    if (!block) return null;
    switch (block.type) {
      case "math_number": return Number(block.getFieldValue("NUM"));
      case "variable":
        return { id: block.id, block: "variable", name: block.getField("VAR").getText() };
      case "arithmetic":
        return { id: block.id, block: "arithmetic", op: block.getFieldValue("OP"),
                 left: expr(block.getInputTargetBlock("A")),
                 right: expr(block.getInputTargetBlock("B")) };
      default:  // a condition in a number slot: the validator names it
        return cond(block);
    }
  }

  function cond(block) {
    if (!block) return null;
    switch (block.type) {
      case "not":
        return { id: block.id, block: "not",
                 condition: cond(block.getInputTargetBlock("CONDITION")) };
      case "compare":
        return { id: block.id, block: "compare", op: block.getFieldValue("OP"),
                 left: expr(block.getInputTargetBlock("A")),
                 right: expr(block.getInputTargetBlock("B")) };
      case "variable":
      case "arithmetic":
      case "math_number":
        return expr(block);
      default:
        return { id: block.id, block: block.type };
    }
  }

  function maxIterations(block, node) {
    if (!block.data) return;
    try {
      var data = JSON.parse(block.data);
      if (data && data.max_iterations != null) node.max_iterations = data.max_iterations;
    } catch (e) { /* data written by someone else: ignore it */ }
  }

  function stmt(block) {
    var node = { id: block.id, block: block.type };
    var input = function (name) { return block.getInputTargetBlock(name); };
    switch (block.type) {
      case "move":
        node.direction = block.getFieldValue("DIRECTION");
        node[block.getFieldValue("UNIT")] = expr(input("AMOUNT"));
        break;
      case "turn":
        node.direction = block.getFieldValue("DIRECTION");
        node.degrees = expr(input("DEGREES"));
        break;
      case "wait":
        node.seconds = expr(input("SECONDS"));
        break;
      case "light":
        node.colour = block.getFieldValue("COLOUR");
        break;
      case "sound":
        node.note = block.getFieldValue("NOTE");
        node.seconds = Number(block.getFieldValue("SECONDS"));
        break;
      case "repeat":
        node.times = expr(input("TIMES"));
        node.body = chain(input("DO"));
        break;
      case "repeat_until":
      case "while":
        node.condition = cond(input("CONDITION"));
        node.body = chain(input("DO"));
        maxIterations(block, node);
        break;
      case "if":
        node.condition = cond(input("CONDITION"));
        node.then = chain(input("THEN"));
        break;
      case "if_else":
        node.block = "if";
        node.condition = cond(input("CONDITION"));
        node.then = chain(input("THEN"));
        node["else"] = chain(input("ELSE"));
        break;
      case "set_variable":
        node.name = block.getField("VAR").getText();
        node.value = expr(input("VALUE"));
        break;
      case "change_variable":
        node.name = block.getField("VAR").getText();
        node.by = expr(input("BY"));
        break;
      case "stop":
        break;
      default:  // a value block left loose in a stack: the validator names it
        return cond(block);
    }
    return node;
  }

  function chain(block) {
    var out = [];
    for (; block; block = block.getNextBlock()) {
      if (block.isEnabled && !block.isEnabled()) continue;
      out.push(stmt(block));
    }
    return out;
  }

  /**
   * The program model JSON of `workspace`: `main` hangs under the start block
   * (or, without one, is the first loose stack); each event block is a handler.
   * Other loose blocks are not part of the program.
   */
  function workspaceToProgram(workspace) {
    var tops = workspace.getTopBlocks(true);
    var program = { version: 1, main: [], events: [] };
    var start = tops.filter(function (b) { return b.type === START; })[0];
    if (start) {
      program.main = chain(start.getNextBlock());
    } else {
      var loose = tops.filter(function (b) {
        return !EVENTS[b.type] && b.previousConnection;
      })[0];
      if (loose) program.main = chain(loose);
    }
    tops.forEach(function (b) {
      if (EVENTS[b.type] && (!b.isEnabled || b.isEnabled())) {
        program.events.push({ id: b.id, event: EVENTS[b.type],
                              body: chain(b.getInputTargetBlock("DO")) });
      }
    });
    if (!program.events.length) delete program.events;
    return program;
  }

  // --- program model → workspace ------------------------------------------------------------

  function withId(state, node) {
    if (node && node.id != null) state.id = String(node.id);
    return state;
  }

  function exprState(value, fallback) {
    var slot = { shadow: { type: "math_number",
                           fields: { NUM: typeof value === "number" ? value : fallback } } };
    if (value == null || typeof value === "number") return slot;
    slot.block = value.block === "variable" || value.block === "arithmetic"
      ? valueState(value) : condState(value);
    return slot;
  }

  function valueState(node) {
    if (node.block === "variable") {
      return withId({ type: "variable", fields: { VAR: { name: node.name } } }, node);
    }
    return withId({ type: "arithmetic", fields: { OP: node.op },
                    inputs: { A: exprState(node.left, 1), B: exprState(node.right, 1) } }, node);
  }

  function condState(node) {
    if (!node) return null;
    var state = withId({ type: node.block }, node);
    if (node.block === "not") {
      var inner = condState(node.condition);
      if (inner) state.inputs = { CONDITION: { block: inner } };
    } else if (node.block === "compare") {
      state.fields = { OP: node.op };
      state.inputs = { A: exprState(node.left, 1), B: exprState(node.right, 1) };
    }
    return state;
  }

  function condSlot(inputs, node) {
    var state = condState(node);
    if (state) inputs.CONDITION = { block: state };
  }

  function chainState(list) {
    var first = null, last = null;
    (list || []).forEach(function (node) {
      var state = stmtState(node);
      if (last) last.next = { block: state }; else first = state;
      last = state;
    });
    return first;
  }

  function bodySlot(inputs, name, list) {
    var state = chainState(list);
    if (state) inputs[name] = { block: state };
  }

  function stmtState(node) {
    var state = withId({ type: node.block, fields: {}, inputs: {} }, node);
    var f = state.fields, i = state.inputs;
    switch (node.block) {
      case "move":
        f.DIRECTION = node.direction;
        f.UNIT = "seconds" in node ? "seconds" : "distance_cm";
        i.AMOUNT = exprState("seconds" in node ? node.seconds : node.distance_cm, 20);
        break;
      case "turn":
        f.DIRECTION = node.direction;
        i.DEGREES = exprState(node.degrees, 90);
        break;
      case "wait":
        i.SECONDS = exprState(node.seconds, 1);
        break;
      case "light":
        f.COLOUR = node.colour;
        break;
      case "sound":
        f.NOTE = node.note;
        f.SECONDS = node.seconds;
        break;
      case "repeat":
        i.TIMES = exprState(node.times, 4);
        bodySlot(i, "DO", node.body);
        break;
      case "repeat_until":
      case "while":
        condSlot(i, node.condition);
        bodySlot(i, "DO", node.body);
        if (node.max_iterations != null) {
          state.data = JSON.stringify({ max_iterations: node.max_iterations });
        }
        break;
      case "if":
        condSlot(i, node.condition);
        bodySlot(i, "THEN", node.then);
        if (node["else"] && node["else"].length) {
          state.type = "if_else";
          bodySlot(i, "ELSE", node["else"]);
        }
        break;
      case "set_variable":
        f.VAR = { name: node.name };
        i.VALUE = exprState(node.value, 0);
        break;
      case "change_variable":
        f.VAR = { name: node.name };
        i.BY = exprState(node.by, 1);
        break;
      default:
        break;
    }
    return state;
  }

  /** Replace the workspace's blocks with `program` (a saved version), laid out in a column. */
  function programToWorkspace(program, workspace) {
    var blocks = [];
    var start = { type: START, x: 20, y: 20 };
    var main = chainState(program.main);
    if (main) start.next = { block: main };
    blocks.push(start);
    (program.events || []).forEach(function (handler, index) {
      var type = handler.event === "obstacle" ? "when_obstacle" : "when_button";
      var state = withId({ type: type, x: 420, y: 20 + index * 220 }, handler);
      var bodyState = chainState(handler.body);
      if (bodyState) state.inputs = { DO: { block: bodyState } };
      blocks.push(state);
    });
    workspace.clear();
    Blockly.serialization.workspaces.load(
      { blocks: { languageVersion: 0, blocks: blocks } }, workspace);
  }

  /** Make sure the workspace has its (undeletable) start block. */
  function ensureStart(workspace) {
    var has = workspace.getTopBlocks(false).some(function (b) { return b.type === START; });
    if (has) return;
    var block = workspace.newBlock(START);
    block.setDeletable(false);
    block.moveBy(20, 20);
    if (block.initSvg) { block.initSvg(); block.render(); }
  }

  var TOUCH_CSS = [
    ".mallette-editor .blocklyToolboxCategory { height: 48px; line-height: 48px;",
    "  padding-right: 14px; }",
    ".mallette-editor .blocklyToolboxCategoryLabel { font-size: 1.15rem; }",
  ].join("\n");

  function addTouchCss() {
    if (!global.document || global.document.getElementById("mallette-blocks-css")) return;
    var style = global.document.createElement("style");
    style.id = "mallette-blocks-css";
    style.textContent = TOUCH_CSS;
    global.document.head.appendChild(style);
  }

  /**
   * Create a touch-friendly editor in `element` with the toolbox of
   * `options.allowedBlocks`; `options.program` is loaded if given.
   */
  function inject(element, options) {
    options = options || {};
    addTouchCss();
    element.classList.add("mallette-editor");
    var workspace = Blockly.inject(element, {
      toolbox: toolbox(options.allowedBlocks == null ? null : options.allowedBlocks),
      renderer: "zelos",
      trashcan: true,
      sounds: false,
      media: options.media || "/vendor/blockly/media/",
      zoom: { controls: true, wheel: false, startScale: options.scale || 1.0,
              maxScale: 2, minScale: 0.5 },
      move: { scrollbars: true, drag: true, wheel: true },
      grid: { spacing: 40, length: 2, colour: "#e0e0e0", snap: true },
    });
    workspace.registerButtonCallback(VARIABLE_BUTTON, function (button) {
      Blockly.Variables.createVariableButtonHandler(button.getTargetWorkspace(), null, "");
    });
    if (options.program) programToWorkspace(options.program, workspace);
    ensureStart(workspace);
    workspace.getTopBlocks(false).forEach(function (b) {
      if (b.type === START) b.setDeletable(false);
    });
    return workspace;
  }

  define();

  global.MalletteBlocks = {
    LABELS: LABELS,
    BLOCKS: ALL_BLOCKS.slice(),
    define: define,
    toolbox: toolbox,
    workspaceToProgram: workspaceToProgram,
    programToWorkspace: programToWorkspace,
    inject: inject,
    ensureStart: ensureStart,
  };
})(typeof window !== "undefined" ? window : globalThis);
