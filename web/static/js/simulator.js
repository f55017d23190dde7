/*
 * Mallette browser simulator: the same semantics as robots/simulator.py (the
 * reference), step by step and in the same order, so both give the same run
 * result on every case in robots/sim_cases/ (see docs/program-model.md,
 * "Precise semantics"). Plus a canvas renderer for pupils.
 *
 * Classic script: exposes window.MalletteSim = {simulate, run, animate, draw}.
 * The program is expected to be valid (the station validates it).
 */
(function (global) {
  "use strict";

  var SPEED_CM_S = 10;
  var TURN_DEG_S = 90;
  var STEP_CM = 1;
  var STEP_DEG = 9;
  var TICK_S = 0.1;
  var MAX_STEPS = 10000;
  var MAX_TIME_S = 300;
  var INPUT_LENGTH_S = 0.5;
  var EPSILON = 1e-9;
  var VALUE_LIMIT = 32767;
  var HEADINGS = { east: 0, south: 90, west: 180, north: 270 };
  var AHEAD = [[1, 0], [0, 1], [-1, 0], [0, -1]];
  var END = { end: true };

  function r6(v) { return Math.floor(v * 1e6 + 0.5) / 1e6; }
  function normHeading(v) {
    var result = r6(v - 360 * Math.floor(v / 360));
    return result >= 360 ? result - 360 : result;
  }
  function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }
  function unit(h) {
    if (h % 90 === 0) {
      var a = AHEAD[Math.floor(h / 90) % 4];
      return [a[0], a[1]];
    }
    var rad = h * Math.PI / 180;
    return [Math.cos(rad), Math.sin(rad)];
  }

  function Run(program, mat, withTrace) {
    this.mat = mat;
    this.cols = mat.cols;
    this.rows = mat.rows;
    this.cell = mat.cell_cm == null ? 20 : mat.cell_cm;
    var start = mat.start;
    this.x = (start.col + 0.5) * this.cell;
    this.y = (start.row + 0.5) * this.cell;
    this.heading = HEADINGS[start.heading || "east"];
    this.t = 0;
    this.steps = 0;
    this.variables = Object.create(null);
    this.events = [];
    this.cells = [[start.col, start.row]];
    this.collided = false;
    this.obstacles = {};
    var self = this;
    (mat.obstacles || []).forEach(function (c) { self.obstacles[c[0] + "," + c[1]] = true; });
    this.line = {};
    (mat.line || []).forEach(function (c) { self.line[c[0] + "," + c[1]] = true; });
    var inputs = mat.inputs || {};
    var byNumber = function (a, b) { return a - b; };
    this.presses = (inputs.button || []).slice().sort(byNumber);
    this.nextPress = 0;
    this.claps = (inputs.sound || []).slice().sort(byNumber);
    this.handlers = { button_pressed: [], obstacle: [] };
    (program.events || []).forEach(function (h) { self.handlers[h.event].push(h.body); });
    this.inHandler = false;
    this.prevObstacle = false;
    this.main = program.main;
    this.current = null;
    this.trace = withTrace ? [] : null;
    this.frame();
  }

  Run.prototype.frame = function () {
    if (this.trace) this.trace.push({ t: this.t, x: this.x, y: this.y, heading: this.heading });
  };

  Run.prototype.record = function (type, node, data) {
    var event = { t: this.t, type: type };
    if (data) for (var k in data) event[k] = data[k];
    if (node && node.id != null) event.block_id = node.id;
    this.events.push(event);
  };

  Run.prototype.result = function () {
    var c = this.cellOf(this.x, this.y);
    var target = this.mat.target;
    var reached = false;
    if (target) {
      reached = this.cells.some(function (cell) {
        return cell[0] === target[0] && cell[1] === target[1];
      });
    }
    return {
      final: { x: this.x, y: this.y, heading: this.heading, col: c[0], row: c[1] },
      cells: this.cells,
      events: this.events,
      collided: this.collided,
      reached_target: reached,
      time: this.t,
      steps: this.steps,
    };
  };

  Run.prototype.cellOf = function (x, y) {
    return [Math.floor(x / this.cell), Math.floor(y / this.cell)];
  };

  Run.prototype.blocked = function (col, row) {
    return col < 0 || row < 0 || col >= this.cols || row >= this.rows ||
      this.obstacles[col + "," + row] === true;
  };

  Run.prototype.sensorObstacle = function () {
    var c = this.cellOf(this.x, this.y);
    var d = AHEAD[Math.floor(this.heading / 90 + 0.5) % 4];
    return this.blocked(c[0] + d[0], c[1] + d[1]);
  };

  Run.prototype.active = function (times) {
    var t = this.t;
    return times.some(function (p) {
      return p - EPSILON <= t && t < p + INPUT_LENGTH_S - EPSILON;
    });
  };

  Run.prototype.check = function () {
    if (this.t >= MAX_TIME_S - EPSILON) {
      this.record("limit", null, { reason: "time" });
      throw END;
    }
    var due = false;
    while (this.nextPress < this.presses.length &&
           this.presses[this.nextPress] <= this.t + EPSILON) {
      this.nextPress += 1;
      due = true;
    }
    var obstacle = this.sensorObstacle();
    var rising = obstacle && !this.prevObstacle;
    this.prevObstacle = obstacle;
    if (this.inHandler) return false;
    if (due && this.handlers.button_pressed.length) {
      this.handle("button_pressed");
      return true;
    }
    if (rising && this.handlers.obstacle.length) {
      this.handle("obstacle");
      return true;
    }
    return false;
  };

  Run.prototype.handle = function (event) {
    this.inHandler = true;
    var bodies = this.handlers[event];
    for (var i = 0; i < bodies.length; i++) this.runBody(bodies[i]);
    this.inHandler = false;
    this.prevObstacle = this.sensorObstacle();
  };

  Run.prototype.idle = function () {
    if (!this.handlers.button_pressed.length) return;
    while (this.nextPress < this.presses.length) {
      var press = this.presses[this.nextPress];
      if (press >= MAX_TIME_S) return;
      this.t = Math.max(this.t, press);
      this.frame();
      this.check();
    }
  };

  Run.prototype.drive = function (distance, sign) {
    var u = unit(this.heading);
    var x0 = this.x, y0 = this.y, t0 = this.t;
    var done = 0;
    while (done < distance - EPSILON) {
      var step = Math.min(STEP_CM, distance - done);
      var ahead = done + step;
      var nx = r6(x0 + sign * u[0] * ahead);
      var ny = r6(y0 + sign * u[1] * ahead);
      var c = this.cellOf(nx, ny);
      if (this.blocked(c[0], c[1])) {
        this.collided = true;
        this.record("collision", this.current, { col: c[0], row: c[1] });
        return;
      }
      this.x = nx; this.y = ny; done = ahead;
      this.t = r6(t0 + done / SPEED_CM_S);
      var last = this.cells[this.cells.length - 1];
      if (last[0] !== c[0] || last[1] !== c[1]) this.cells.push([c[0], c[1]]);
      this.frame();
      if (this.check()) return;
    }
  };

  Run.prototype.rotate = function (degrees, sign) {
    var h0 = this.heading, t0 = this.t;
    var done = 0;
    while (done < degrees - EPSILON) {
      done = done + Math.min(STEP_DEG, degrees - done);
      this.heading = normHeading(h0 + sign * done);
      this.t = r6(t0 + done / TURN_DEG_S);
      this.frame();
      if (this.check()) return;
    }
  };

  Run.prototype.pause = function (seconds) {
    var t0 = this.t;
    var done = 0;
    while (done < seconds - EPSILON) {
      done = done + Math.min(TICK_S, seconds - done);
      this.t = r6(t0 + done);
      this.frame();
      if (this.check()) return;
    }
  };

  Run.prototype.value = function (expr) {
    var result;
    if (typeof expr === "number") {
      result = expr;
    } else if (expr.block === "variable") {
      result = expr.name in this.variables ? this.variables[expr.name] : 0;
    } else {
      var left = this.value(expr.left), right = this.value(expr.right);
      switch (expr.op) {
        case "+": result = left + right; break;
        case "-": result = left - right; break;
        case "*": result = left * right; break;
        default: result = right === 0 ? 0 : Math.trunc(left / right);
      }
    }
    return clamp(result, -VALUE_LIMIT, VALUE_LIMIT);
  };

  Run.prototype.condition = function (cond) {
    switch (cond.block) {
      case "sensor_obstacle": return this.sensorObstacle();
      case "sensor_line": {
        var c = this.cellOf(this.x, this.y);
        return this.line[c[0] + "," + c[1]] === true;
      }
      case "sensor_button": return this.active(this.presses);
      case "sensor_sound": return this.active(this.claps);
      case "not": return !this.condition(cond.condition);
      default: {
        var left = this.value(cond.left), right = this.value(cond.right);
        if (cond.op === "<") return left < right;
        if (cond.op === ">") return left > right;
        var equal = Math.abs(left - right) < EPSILON;
        return cond.op === "=" ? equal : !equal;
      }
    }
  };

  Run.prototype.runBody = function (body) {
    for (var i = 0; i < body.length; i++) this.statement(body[i]);
  };

  Run.prototype.statement = function (node) {
    if (this.steps >= MAX_STEPS) {
      this.record("limit", null, { reason: "blocks" });
      throw END;
    }
    this.steps += 1;
    this.current = node;
    switch (node.block) {
      case "move": {
        var sign = node.direction === "forward" ? 1 : -1;
        var distance = "distance_cm" in node
          ? clamp(this.value(node.distance_cm), 0, 200)
          : clamp(this.value(node.seconds), 0, 30) * SPEED_CM_S;
        this.drive(distance, sign);
        break;
      }
      case "turn":
        this.rotate(clamp(this.value(node.degrees), 0, 360), node.direction === "right" ? 1 : -1);
        break;
      case "wait":
        this.pause(clamp(this.value(node.seconds), 0, 30));
        break;
      case "light":
        this.record("light", node, { colour: node.colour });
        break;
      case "sound":
        this.record("sound", node, { note: node.note, seconds: node.seconds });
        this.pause(node.seconds);
        break;
      case "repeat": {
        var times = Math.trunc(clamp(this.value(node.times), 0, 50));
        for (var i = 0; i < times; i++) this.runBody(node.body);
        break;
      }
      case "repeat_until":
      case "while":
        this.loop(node, node.block === "repeat_until");
        break;
      case "if":
        if (this.condition(node.condition)) this.runBody(node.then);
        else this.runBody(node["else"] || []);
        break;
      case "set_variable":
        this.variables[node.name] = this.value(node.value);
        break;
      case "change_variable": {
        var old = node.name in this.variables ? this.variables[node.name] : 0;
        this.variables[node.name] = clamp(old + this.value(node.by), -VALUE_LIMIT, VALUE_LIMIT);
        break;
      }
      case "stop":
        this.record("stop", node);
        throw END;
      default:
        throw new Error("unknown block " + node.block);
    }
  };

  Run.prototype.loop = function (node, until) {
    var limit = node.max_iterations == null ? 100 : node.max_iterations;
    var done = 0;
    for (;;) {
      var holds = this.condition(node.condition);
      if (holds === until) return;
      if (done >= limit) {
        this.record("limit", node, { reason: "max_iterations", block: node.block });
        return;
      }
      this.runBody(node.body);
      done += 1;
    }
  };

  Run.prototype.go = function () {
    try {
      this.check();
      this.runBody(this.main);
      this.idle();
    } catch (e) {
      if (e !== END) throw e;
    }
    var result = this.result();
    if (this.trace) this.frame();
    return result;
  };

  /** The contract's run result of `program` on `mat`. */
  function simulate(program, mat) {
    return new Run(program, mat, false).go();
  }

  /** The run result plus the robot's pose after every small step ({t, x, y, heading}). */
  function run(program, mat) {
    var r = new Run(program, mat, true);
    var result = r.go();
    return { result: result, trace: r.trace };
  }

  // --- drawing ---------------------------------------------------------------------------

  var COLOURS = {
    red: "#e53935", green: "#43a047", blue: "#1e88e5", yellow: "#fdd835",
    purple: "#8e24aa", cyan: "#00acc1", white: "#ffffff", off: "#455a64",
  };

  function layout(canvas, mat) {
    var margin = 8;
    var size = Math.min((canvas.width - 2 * margin) / mat.cols,
                        (canvas.height - 2 * margin) / mat.rows);
    var cellCm = mat.cell_cm == null ? 20 : mat.cell_cm;
    return {
      size: size,
      ox: (canvas.width - size * mat.cols) / 2,
      oy: (canvas.height - size * mat.rows) / 2,
      scale: size / cellCm,
    };
  }

  function roundRect(ctx, x, y, w, h, r) {
    ctx.beginPath();
    ctx.moveTo(x + r, y);
    ctx.arcTo(x + w, y, x + w, y + h, r);
    ctx.arcTo(x + w, y + h, x, y + h, r);
    ctx.arcTo(x, y + h, x, y, r);
    ctx.arcTo(x, y, x + w, y, r);
    ctx.closePath();
  }

  function drawMat(ctx, mat, L, hideTarget) {
    ctx.fillStyle = "#f4f1e8";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    var s = L.size;
    ctx.fillStyle = "#fffdf5";
    ctx.fillRect(L.ox, L.oy, s * mat.cols, s * mat.rows);
    var line = mat.line || [];
    if (line.length) {
      ctx.strokeStyle = "#212121";
      ctx.lineWidth = Math.max(4, s * 0.18);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.beginPath();
      line.forEach(function (c, i) {
        var cx = L.ox + (c[0] + 0.5) * s, cy = L.oy + (c[1] + 0.5) * s;
        if (i === 0) ctx.moveTo(cx, cy); else ctx.lineTo(cx, cy);
      });
      if (line.length === 1) {
        ctx.lineTo(L.ox + (line[0][0] + 0.5) * s + 0.1, L.oy + (line[0][1] + 0.5) * s);
      }
      ctx.stroke();
    }
    if (mat.target && !hideTarget) drawRings(ctx, L, mat.target);
    (mat.obstacles || []).forEach(function (c) {
      var x = L.ox + c[0] * s, y = L.oy + c[1] * s, pad = s * 0.08;
      ctx.fillStyle = "#8d6e63";
      roundRect(ctx, x + pad, y + pad, s - 2 * pad, s - 2 * pad, s * 0.1);
      ctx.fill();
      ctx.strokeStyle = "#5d4037";
      ctx.lineWidth = Math.max(1, s * 0.04);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x + pad, y + s / 2); ctx.lineTo(x + s - pad, y + s / 2);
      ctx.moveTo(x + s / 2, y + pad); ctx.lineTo(x + s / 2, y + s / 2);
      ctx.moveTo(x + s * 0.3, y + s / 2); ctx.lineTo(x + s * 0.3, y + s - pad);
      ctx.moveTo(x + s * 0.7, y + s / 2); ctx.lineTo(x + s * 0.7, y + s - pad);
      ctx.stroke();
    });
    ctx.strokeStyle = "#c9c2ae";
    ctx.lineWidth = 1;
    for (var c = 0; c <= mat.cols; c++) {
      ctx.beginPath();
      ctx.moveTo(L.ox + c * s, L.oy);
      ctx.lineTo(L.ox + c * s, L.oy + mat.rows * s);
      ctx.stroke();
    }
    for (var r = 0; r <= mat.rows; r++) {
      ctx.beginPath();
      ctx.moveTo(L.ox, L.oy + r * s);
      ctx.lineTo(L.ox + mat.cols * s, L.oy + r * s);
      ctx.stroke();
    }
  }

  function drawRings(ctx, L, cell) {
    var s = L.size;
    var tx = L.ox + (cell[0] + 0.5) * s, ty = L.oy + (cell[1] + 0.5) * s;
    [["#e53935", 0.42], ["#ffffff", 0.3], ["#e53935", 0.17]].forEach(function (ring) {
      ctx.fillStyle = ring[0];
      ctx.beginPath();
      ctx.arc(tx, ty, s * ring[1], 0, 2 * Math.PI);
      ctx.fill();
    });
  }

  // --- the challenge's goal on the mat (marks from lessons/goals.py) ---------------------

  function cellCentre(L, cell) {
    return [L.ox + (cell[0] + 0.5) * L.size, L.oy + (cell[1] + 0.5) * L.size];
  }

  function drawFlag(ctx, L, cell) {
    var s = L.size, x = L.ox + cell[0] * s, y = L.oy + cell[1] * s;
    ctx.fillStyle = "rgba(67, 160, 71, 0.28)";  // the whole cell, seen from afar
    ctx.fillRect(x + 1, y + 1, s - 2, s - 2);
    ctx.strokeStyle = "#2e7d32";
    ctx.lineWidth = Math.max(2, s * 0.05);
    ctx.strokeRect(x + 2, y + 2, s - 4, s - 4);
    ctx.strokeStyle = "#263238";
    ctx.beginPath();
    ctx.moveTo(x + s * 0.3, y + s * 0.85); ctx.lineTo(x + s * 0.3, y + s * 0.15);
    ctx.stroke();
    ctx.fillStyle = "#e53935";
    ctx.beginPath();
    ctx.moveTo(x + s * 0.3, y + s * 0.15); ctx.lineTo(x + s * 0.78, y + s * 0.28);
    ctx.lineTo(x + s * 0.3, y + s * 0.42); ctx.closePath(); ctx.fill();
  }

  function drawFacing(ctx, L, cell, heading) {
    var c = cellCentre(L, cell), s = L.size;
    ctx.save();
    ctx.translate(c[0], c[1]);
    ctx.rotate(HEADINGS[heading] * Math.PI / 180);
    ctx.strokeStyle = "#1565c0";
    ctx.fillStyle = "#1565c0";
    ctx.lineWidth = Math.max(2, s * 0.06);
    ctx.beginPath(); ctx.moveTo(s * 0.05, 0); ctx.lineTo(s * 0.38, 0); ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(s * 0.48, 0); ctx.lineTo(s * 0.33, -s * 0.1); ctx.lineTo(s * 0.33, s * 0.1);
    ctx.closePath(); ctx.fill();
    ctx.restore();
  }

  function drawNumber(ctx, L, cell, n) {
    var s = L.size, x = L.ox + cell[0] * s, y = L.oy + cell[1] * s, r = s * 0.22;
    var cx = x + s - r - 2, cy = y + r + 2;  // the cell's top right corner, clear of the robot
    ctx.fillStyle = "#6a1b9a";
    ctx.beginPath(); ctx.arc(cx, cy, r, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = "#ffffff";
    ctx.font = "bold " + Math.round(r * 1.3) + "px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(String(n), cx, cy + 1);
  }

  function drawPath(ctx, L, path) {
    if (path.length < 2) return;
    ctx.save();
    ctx.strokeStyle = "#fbc02d";
    ctx.lineWidth = Math.max(2, L.size * 0.06);
    ctx.setLineDash([L.size * 0.12, L.size * 0.1]);
    ctx.beginPath();
    path.forEach(function (cell, i) {
      var c = cellCentre(L, cell);
      if (i === 0) ctx.moveTo(c[0], c[1]); else ctx.lineTo(c[0], c[1]);
    });
    ctx.stroke();
    ctx.restore();
  }

  function drawMarks(ctx, L, marks) {
    var corners = marks.corners || [];
    // the corners in their order, joined lightly: the route to follow
    drawPath(ctx, L, marks.path && marks.path.length ? marks.path
      : (corners.length ? [marks.start].concat(corners) : []));
    if (marks.target) {
      if (marks.arrive === "end") drawFlag(ctx, L, marks.target);
      else drawRings(ctx, L, marks.target);
      if (marks.facing) drawFacing(ctx, L, marks.target, marks.facing);
    }
    corners.forEach(function (cell, i) { drawNumber(ctx, L, cell, i + 1); });
  }

  /** Where the robot stopped: a thick dashed ring round its cell (kind "arrived" is green). */
  function drawStop(ctx, L, stop) {
    var c = cellCentre(L, [stop.col, stop.row]), s = L.size;
    ctx.save();
    ctx.strokeStyle = stop.kind === "arrived" ? "#2e7d32" : "#ef6c00";
    ctx.lineWidth = Math.max(3, s * 0.08);
    ctx.setLineDash([s * 0.14, s * 0.08]);
    ctx.beginPath(); ctx.arc(c[0], c[1], s * 0.48, 0, 2 * Math.PI); ctx.stroke();
    ctx.restore();
  }

  function drawRobot(ctx, L, pose, state) {
    var s = L.size;
    var cx = L.ox + pose.x * L.scale, cy = L.oy + pose.y * L.scale;
    var R = s * 0.34;
    ctx.save();
    ctx.translate(cx, cy);
    if (state.bump) ctx.translate(Math.sin(state.bump * 40) * s * 0.03, 0);
    ctx.rotate(pose.heading * Math.PI / 180);
    // wheels
    ctx.fillStyle = "#37474f";
    roundRect(ctx, -R * 0.6, -R * 1.12, R * 1.2, R * 0.32, R * 0.1); ctx.fill();
    roundRect(ctx, -R * 0.6, R * 0.8, R * 1.2, R * 0.32, R * 0.1); ctx.fill();
    // body
    ctx.fillStyle = "#4fc3f7";
    ctx.strokeStyle = "#0277bd";
    ctx.lineWidth = Math.max(1.5, s * 0.03);
    roundRect(ctx, -R, -R * 0.85, R * 2, R * 1.7, R * 0.45);
    ctx.fill();
    ctx.stroke();
    // eyes look where the robot goes
    [-0.35, 0.35].forEach(function (side) {
      ctx.fillStyle = "#ffffff";
      ctx.beginPath(); ctx.arc(R * 0.5, R * side, R * 0.22, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = "#263238";
      ctx.beginPath(); ctx.arc(R * 0.6, R * side, R * 0.11, 0, 2 * Math.PI); ctx.fill();
    });
    // nose: the heading
    ctx.fillStyle = "#0277bd";
    ctx.beginPath();
    ctx.moveTo(R * 1.25, 0); ctx.lineTo(R * 0.95, -R * 0.18); ctx.lineTo(R * 0.95, R * 0.18);
    ctx.closePath(); ctx.fill();
    ctx.restore();
    // top light (not rotated)
    var colour = COLOURS[state.light || "off"];
    if (state.light && state.light !== "off") {
      ctx.fillStyle = colour;
      ctx.globalAlpha = 0.35;
      ctx.beginPath(); ctx.arc(cx, cy, R * 0.75, 0, 2 * Math.PI); ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.fillStyle = colour;
    ctx.strokeStyle = "#263238";
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.arc(cx - R * 0.25, cy, R * 0.26, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    if (state.note) {
      ctx.font = "bold " + Math.round(s * 0.3) + "px sans-serif";
      ctx.fillStyle = "#6a1b9a";
      ctx.fillText("♪ " + state.note, cx - R * 0.9, cy - R * 1.4);
    }
    if (state.bump) {
      ctx.font = Math.round(s * 0.4) + "px sans-serif";
      ctx.fillText("💥", cx + R * 1.1, cy - R * 1.1);
    }
  }

  /**
   * Draw the mat and the robot at `pose` ({x, y, heading} in cm/deg); state: light, note,
   * bump. extra.marks: the challenge's goal (replaces the mat's own target); extra.stop:
   * {col, row, kind} where a run ended. What was drawn is left in canvas.dataset.drawn
   * (JSON) for screen readers' helpers and tests.
   */
  function draw(canvas, mat, pose, state, extra) {
    extra = extra || {};
    var ctx = canvas.getContext("2d");
    var L = layout(canvas, mat);
    var marks = extra.marks || null;
    drawMat(ctx, mat, L, !!marks);
    if (marks) {
      drawMarks(ctx, L, Object.assign({ start: [mat.start.col, mat.start.row] }, marks));
    }
    if (!pose) {
      var cell = mat.cell_cm == null ? 20 : mat.cell_cm;
      pose = { x: (mat.start.col + 0.5) * cell, y: (mat.start.row + 0.5) * cell,
               heading: HEADINGS[mat.start.heading || "east"] };
    }
    drawRobot(ctx, L, pose, state || {});
    if (extra.stop) drawStop(ctx, L, extra.stop);
    canvas.dataset.drawn = JSON.stringify({
      target: marks ? marks.target : (mat.target || null),
      arrive: marks ? marks.arrive : null,
      corners: marks ? marks.corners || [] : [],
      path: marks ? marks.path || [] : [],
      facing: marks ? marks.facing || null : null,
      stop: extra.stop || null,
    });
  }

  function poseAt(trace, t) {
    var lo = 0, hi = trace.length - 1;
    if (t <= trace[0].t) return trace[0];
    if (t >= trace[hi].t) return trace[hi];
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (trace[mid].t <= t) lo = mid; else hi = mid;
    }
    var a = trace[lo], b = trace[hi];
    if (b.t - a.t <= 0) return b;
    var k = (t - a.t) / (b.t - a.t);
    var dh = ((b.heading - a.heading + 540) % 360) - 180;
    return { x: a.x + (b.x - a.x) * k, y: a.y + (b.y - a.y) * k, heading: a.heading + dh * k };
  }

  function stateAt(events, t) {
    var state = { light: null, note: null, bump: 0 };
    events.forEach(function (e) {
      if (e.t > t) return;
      if (e.type === "light") state.light = e.colour;
      if (e.type === "sound" && t < e.t + e.seconds) state.note = e.note;
      if (e.type === "collision" && t < e.t + 0.6) state.bump = t - e.t + 0.01;
    });
    return state;
  }

  var NOTE_HZ = { C: 261.63, D: 293.66, E: 329.63, F: 349.23, G: 392.0, A: 440.0, B: 493.88 };

  /** Play `note` (e.g. "A4") for `seconds` with Web Audio; silently nothing without it. */
  function beep(audio, note, seconds) {
    try {
      var hz = NOTE_HZ[note[0]] * (note[1] === "5" ? 2 : 1);
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "triangle";
      osc.frequency.value = hz;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + seconds);
    } catch (e) { /* no sound: the note still shows on the robot */ }
  }

  /**
   * Run `program` on `mat` and play it on `canvas` (opts.speed: 1 = real time;
   * opts.audio: true to also play the notes through the speakers; opts.marks: the
 * challenge's goal drawn under the robot).
   * Returns {result, done (a Promise of the result), stop(), seek(t)}.
   * opts.onFrame(t, pose, state) is called after each drawn frame.
   */
  function animate(canvas, program, mat, opts) {
    opts = opts || {};
    var speed = opts.speed || 1;
    var played = run(program, mat);
    var total = played.result.time;
    var events = played.result.events;
    var raf = global.requestAnimationFrame || function (f) { return setTimeout(function () { f(Date.now()); }, 16); };
    var stopped = false;
    var startWall = null;
    var resolveDone;
    var done = new Promise(function (resolve) { resolveDone = resolve; });

    var audio = null, nextSound = 0;
    var sounds = events.filter(function (e) { return e.type === "sound"; });
    if (opts.audio) {
      var Ctx = global.AudioContext || global.webkitAudioContext;
      if (Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    }

    function show(t) {
      while (audio && nextSound < sounds.length && sounds[nextSound].t <= t) {
        beep(audio, sounds[nextSound].note, sounds[nextSound].seconds / speed);
        nextSound += 1;
      }
      var pose = poseAt(played.trace, t);
      var state = stateAt(events, t);
      draw(canvas, mat, pose, state, { marks: opts.marks });
      if (opts.onFrame) opts.onFrame(t, pose, state);
    }

    function tick(now) {
      if (stopped) return;
      if (startWall === null) startWall = now;
      var t = Math.min(total, (now - startWall) / 1000 * speed);
      show(t);
      if (t >= total) {
        stopped = true;
        if (audio && audio.close) audio.close();
        resolveDone(played.result);
        return;
      }
      raf(tick);
    }
    show(0);
    raf(tick);
    return {
      result: played.result,
      done: done,
      stop: function () { stopped = true; resolveDone(played.result); },
      seek: function (t) { show(Math.max(0, Math.min(total, t))); },
    };
  }

  global.MalletteSim = { simulate: simulate, run: run, animate: animate, draw: draw };
})(typeof window !== "undefined" ? window : globalThis);
