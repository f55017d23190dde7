/*
 * Mallette object blocks for Blockly 13: programmed objects for the 3D printer.
 *
 * One Blockly block per block of the printing library's object model (printers/objects.py):
 * shapes (box, cylinder, sphere, text) and operations that hold other blocks (translate,
 * rotate, scale, union, difference, repeat). A hat block "mon objet" holds the object.
 * Blockly types are prefixed "obj_" so they never clash with the robot blocks.
 *
 * Load after blockly_compressed.js and a msg/<lang>.js file. Labels follow
 * document.documentElement.lang (French first, English second).
 * Exposes window.MalletteObjectBlocks.
 */
(function (global) {
  "use strict";

  var Blockly = global.Blockly;
  var START = "obj_start";
  var SHAPES = ["box", "cylinder", "sphere", "text"];
  var OPERATIONS = ["translate", "rotate", "scale", "union", "difference", "repeat"];
  var ALL = SHAPES.concat(OPERATIONS);

  var LABELS = {
    fr: {
      start: "🧊 mon objet %1", box: "🟫 pavé longueur %1 largeur %2 hauteur %3 mm",
      cylinder: "🥫 cylindre rayon %1 hauteur %2 mm", sphere: "⚪ boule rayon %1 mm",
      text: "🔤 texte %1 taille %2 épaisseur %3 mm",
      translate: "➡️ déplacer x %1 y %2 z %3 mm", rotate: "🔄 tourner x %1 y %2 z %3 degrés",
      scale: "🔍 agrandir × %1", union: "🧩 assembler", difference: "✂️ enlever à la 1re forme",
      repeat: "🔁 répéter %1 fois, décaler x %2 y %3 z %4 mm, tourner %5 degrés",
      categories: { shapes: "Formes", place: "Placer", combine: "Combiner" },
      name: "Mon objet", word: "Bonjour",
      tips: { difference: "La première forme, moins toutes les suivantes (pour faire des trous)." },
    },
    en: {
      start: "🧊 my object %1", box: "🟫 box length %1 width %2 height %3 mm",
      cylinder: "🥫 cylinder radius %1 height %2 mm", sphere: "⚪ ball radius %1 mm",
      text: "🔤 text %1 size %2 thickness %3 mm",
      translate: "➡️ move x %1 y %2 z %3 mm", rotate: "🔄 turn x %1 y %2 z %3 degrees",
      scale: "🔍 scale × %1", union: "🧩 put together", difference: "✂️ cut from the 1st shape",
      repeat: "🔁 repeat %1 times, shift x %2 y %3 z %4 mm, turn %5 degrees",
      categories: { shapes: "Shapes", place: "Place", combine: "Combine" },
      name: "My object", word: "Hello",
      tips: { difference: "The first shape minus all the next ones (to make holes)." },
    },
  };
  var COLOURS = { shapes: "#e67e22", place: "#3498db", combine: "#8e44ad", start: "#16a085" };
  var CATEGORY = { box: "shapes", cylinder: "shapes", sphere: "shapes", text: "shapes",
                   translate: "place", rotate: "place", scale: "place",
                   union: "combine", difference: "combine", repeat: "combine" };
  // the fields of each block: [Blockly field name, model key, default, min, max]
  var FIELDS = {
    box: [["X", "size.0", 30, 0.2, 250], ["Y", "size.1", 20, 0.2, 250],
          ["Z", "size.2", 3, 0.2, 250]],
    cylinder: [["RADIUS", "radius", 10, 0.1, 125], ["HEIGHT", "height", 5, 0.2, 250]],
    sphere: [["RADIUS", "radius", 10, 0.1, 125]],
    text: [["TEXT", "text", null], ["SIZE", "size", 8, 3, 60], ["HEIGHT", "height", 2, 0.2, 20]],
    translate: [["X", "x", 0, -250, 250], ["Y", "y", 0, -250, 250], ["Z", "z", 0, -250, 250]],
    rotate: [["X", "x", 0, -360, 360], ["Y", "y", 0, -360, 360], ["Z", "z", 0, -360, 360]],
    scale: [["FACTOR", "factor", 1.5, 0.05, 20]],
    union: [], difference: [],
    repeat: [["TIMES", "times", 4, 1, 50], ["DX", "offset.0", 0, -250, 250],
             ["DY", "offset.1", 0, -250, 250], ["DZ", "offset.2", 0, -250, 250],
             ["ANGLE", "angle", 90, -360, 360]],
  };

  function language() {
    var lang = (global.document && document.documentElement.lang) || "fr";
    return lang.slice(0, 2) === "en" ? "en" : "fr";
  }

  function definitions(lang) {
    var L = LABELS[lang];
    var defs = [{
      type: START, message0: L.start,
      args0: [{ type: "field_input", name: "NAME", text: L.name }],
      message1: "%1", args1: [{ type: "input_statement", name: "DO" }],
      colour: COLOURS.start, hat: "cap",
    }];
    ALL.forEach(function (name) {
      var args = FIELDS[name].map(function (f) {
        if (f[2] === null) return { type: "field_input", name: f[0], text: L.word };
        return { type: "field_number", name: f[0], value: f[2], min: f[3], max: f[4] };
      });
      var def = { type: "obj_" + name, message0: L[name], args0: args,
                  previousStatement: null, nextStatement: null,
                  colour: COLOURS[CATEGORY[name]] };
      if (OPERATIONS.indexOf(name) >= 0) {
        def.message1 = "%1";
        def.args1 = [{ type: "input_statement", name: "DO" }];
      }
      if (L.tips[name]) def.tooltip = L.tips[name];
      defs.push(def);
    });
    return defs;
  }

  function define(lang) {
    Blockly.common.defineBlocksWithJsonArray(definitions(lang || language()));
  }

  /** A category toolbox with only the lesson's blocks. */
  function toolbox(allowed, lang) {
    var L = LABELS[lang || language()];
    var names = allowed == null ? ALL : ALL.filter(function (n) { return allowed.indexOf(n) >= 0; });
    var contents = [];
    ["shapes", "place", "combine"].forEach(function (cat) {
      var items = names.filter(function (n) { return CATEGORY[n] === cat; })
        .map(function (n) { return { kind: "block", type: "obj_" + n }; });
      if (items.length) {
        contents.push({ kind: "category", name: L.categories[cat], colour: COLOURS[cat],
                        contents: items });
      }
    });
    return { kind: "categoryToolbox", contents: contents };
  }

  function getPath(node, path) {
    var parts = path.split(".");
    var v = node[parts[0]];
    if (parts.length > 1) v = Array.isArray(v) ? v[Number(parts[1])] : undefined;
    return v;
  }

  function setPath(node, path, value) {
    var parts = path.split(".");
    if (parts.length === 1) { node[path] = value; return; }
    node[parts[0]] = node[parts[0]] || [0, 0, 0];
    node[parts[0]][Number(parts[1])] = value;
  }

  function chain(block) {
    var out = [];
    for (var b = block; b; b = b.getNextBlock()) {
      if (b.isEnabled && !b.isEnabled()) continue;
      out.push(blockToNode(b));
    }
    return out;
  }

  function blockToNode(block) {
    var name = block.type.slice(4);
    var node = { block: name, id: block.id };
    FIELDS[name].forEach(function (f) {
      var value = block.getFieldValue(f[0]);
      setPath(node, f[1], f[2] === null ? String(value) : Number(value));
    });
    if (block.data) {  // settings the block does not show (e.g. a text's max_width)
      try {
        var extra = JSON.parse(block.data);
        Object.keys(extra).forEach(function (k) { if (!(k in node)) node[k] = extra[k]; });
      } catch (e) { /* not ours */ }
    }
    if (OPERATIONS.indexOf(name) >= 0) node.children = chain(block.getInputTargetBlock("DO"));
    return node;
  }

  /** The object model document of the workspace (version 1), from the "mon objet" block. */
  function workspaceToObject(workspace) {
    var start = workspace.getTopBlocks(true).filter(function (b) { return b.type === START; })[0];
    var name = start ? String(start.getFieldValue("NAME") || "") : "";
    var parts = start ? chain(start.getInputTargetBlock("DO")) : [];
    var root = parts.length === 1 ? parts[0] : { block: "union", children: parts };
    return { version: 1, name: name.slice(0, 60), root: root };
  }

  function nodeState(node) {
    var name = node.block;
    var state = { type: "obj_" + name, fields: {} };
    if (node.id) state.id = String(node.id);
    (FIELDS[name] || []).forEach(function (f) {
      var v = getPath(node, f[1]);
      if (name === "scale" && f[0] === "FACTOR" && v == null) v = node.x || node.y || node.z;
      state.fields[f[0]] = v == null ? f[2] : v;
    });
    var shown = { block: 1, id: 1, children: 1 };
    (FIELDS[name] || []).forEach(function (f) { shown[f[1].split(".")[0]] = 1; });
    var extra = {};
    Object.keys(node).forEach(function (k) { if (!shown[k]) extra[k] = node[k]; });
    if (name === "scale") { delete extra.x; delete extra.y; delete extra.z; }
    if (Object.keys(extra).length) state.data = JSON.stringify(extra);
    var kids = chainState(node.children || []);
    if (kids && OPERATIONS.indexOf(name) >= 0) state.inputs = { DO: { block: kids } };
    return state;
  }

  function chainState(list) {
    var first = null, last = null;
    list.forEach(function (node) {
      if (!node || !FIELDS[node.block]) return;
      var state = nodeState(node);
      if (last) last.next = { block: state }; else first = state;
      last = state;
    });
    return first;
  }

  /** Replace the workspace's blocks with an object document. */
  function objectToWorkspace(doc, workspace) {
    var start = { type: START, x: 20, y: 20, fields: { NAME: (doc && doc.name) || "" } };
    var root = doc && doc.root;
    // a union at the root is shown as the shapes directly under "mon objet"
    var parts = !root ? [] : (root.block === "union" && !root.id ? root.children : [root]);
    var body = chainState(parts || []);
    if (body) start.inputs = { DO: { block: body } };
    workspace.clear();
    Blockly.serialization.workspaces.load(
      { blocks: { languageVersion: 0, blocks: [start] } }, workspace);
    workspace.getTopBlocks(false).forEach(function (b) {
      if (b.type === START) b.setDeletable(false);
    });
  }

  function inject(element, options) {
    options = options || {};
    var workspace = Blockly.inject(element, {
      toolbox: toolbox(options.allowedBlocks == null ? null : options.allowedBlocks),
      renderer: "zelos", trashcan: true, sounds: false,
      media: options.media || "/vendor/blockly/media/",
      zoom: { controls: true, wheel: false, startScale: options.scale || 0.9,
              maxScale: 2, minScale: 0.4 },
      move: { scrollbars: true, drag: true, wheel: true },
      grid: { spacing: 40, length: 2, colour: "#e0e0e0", snap: true },
    });
    objectToWorkspace(options.object || null, workspace);
    workspace.addChangeListener(function (e) { letSizeWin(workspace, e); });
    return workspace;
  }

  /* why: a template's text carries a hidden max_width (the name shrinks to fit its tag);
     it also undid every size the pupil chose (8 → 30 showed the same letters). Once the
     pupil sets the size, that size wins: the hidden limit goes. */
  function letSizeWin(workspace, e) {
    if (e.type !== Blockly.Events.BLOCK_CHANGE || e.element !== "field" || e.name !== "SIZE") return;
    var block = workspace.getBlockById(e.blockId);
    if (!block || block.type !== "obj_text" || !block.data) return;
    try {
      var extra = JSON.parse(block.data);
      if (!("max_width" in extra)) return;
      delete extra.max_width;
      block.data = Object.keys(extra).length ? JSON.stringify(extra) : null;
    } catch (err) { /* not ours */ }
  }

  define();

  global.MalletteObjectBlocks = {
    LABELS: LABELS, BLOCKS: ALL.slice(), define: define, toolbox: toolbox,
    workspaceToObject: workspaceToObject, objectToWorkspace: objectToWorkspace, inject: inject,
  };
})(typeof window !== "undefined" ? window : globalThis);
