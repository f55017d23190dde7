// The 3D preview of a pupil's object on the printer's bed (three.js, served by the station).
// The station sends the checked mesh as {positions, indices} in mm, z up, centred on x/y.
// Without WebGL (old tablets, some headless browsers) a flat-shaded 2D drawing is used.
import * as THREE from "three";
import { OrbitControls } from "/vendor/three/examples/jsm/controls/OrbitControls.js";

function webglWorks(canvas) {
  try {
    return !!(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch (e) {
    return false;
  }
}

// -- WebGL preview ------------------------------------------------------------------
class GLPreview {
  constructor(canvas) {
    this.canvas = canvas;
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0xf4f6fb);
    this.world = new THREE.Group();
    this.world.rotation.x = -Math.PI / 2; // printer z up -> three.js y up
    this.scene.add(this.world);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x8899aa, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.8);
    sun.position.set(80, 160, 120);
    this.scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(40, 1, 1, 5000);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.addEventListener("change", () => this.render());
    this.bed = null;
    this.object = null;
    this.resize();
    window.addEventListener("resize", () => { this.resize(); this.render(); });
    const loop = () => { this.controls.update(); requestAnimationFrame(loop); };
    loop();
  }

  resize() {
    const w = this.canvas.clientWidth || this.canvas.width;
    const h = this.canvas.clientHeight || this.canvas.height;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  setBed(bed) {
    if (this.bed) this.world.remove(this.bed);
    const group = new THREE.Group();
    const plate = new THREE.Mesh(new THREE.PlaneGeometry(bed.x, bed.y),
      new THREE.MeshStandardMaterial({ color: 0xdde3ee, roughness: 0.9 }));
    plate.position.z = -0.05;
    group.add(plate);
    const grid = new THREE.GridHelper(Math.max(bed.x, bed.y), Math.round(Math.max(bed.x, bed.y) / 10),
      0xb8c2d6, 0xcbd3e3);
    grid.rotation.x = Math.PI / 2;
    group.add(grid);
    const m = bed.margin || 0;
    const pts = [[-bed.x / 2 + m, -bed.y / 2 + m], [bed.x / 2 - m, -bed.y / 2 + m],
                 [bed.x / 2 - m, bed.y / 2 - m], [-bed.x / 2 + m, bed.y / 2 - m]]
      .map(([x, y]) => new THREE.Vector3(x, y, 0.1));
    const outline = new THREE.LineLoop(new THREE.BufferGeometry().setFromPoints(pts),
      new THREE.LineBasicMaterial({ color: 0x3a6ed8 }));
    group.add(outline);
    this.bed = group;
    this.bedSize = bed;
    this.world.add(group);
    this.frame(null);
  }

  setMesh(mesh) {
    if (this.object) { this.world.remove(this.object); this.object.geometry.dispose(); }
    const geom = new THREE.BufferGeometry();
    geom.setAttribute("position", new THREE.Float32BufferAttribute(mesh.positions, 3));
    geom.setIndex(mesh.indices);
    geom.computeVertexNormals();
    this.object = new THREE.Mesh(geom, new THREE.MeshStandardMaterial(
      { color: 0xf39c12, roughness: 0.55, metalness: 0.05, flatShading: true }));
    this.world.add(this.object);
    geom.computeBoundingBox();
    this.frame(geom.boundingBox);
  }

  frame(box) {
    const bed = this.bedSize || { x: 220, y: 220 };
    let size = Math.max(bed.x, bed.y) * 0.6;
    if (box) {
      const s = new THREE.Vector3();
      box.getSize(s);
      size = Math.max(30, Math.max(s.x, s.y, s.z) * 1.05);
    }
    this.camera.position.set(size * 0.15, size * 0.75, size * 0.8);
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.render();
  }

  render() { this.renderer.render(this.scene, this.camera); }
}

// -- 2D fallback --------------------------------------------------------------------
class FlatPreview {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.bed = { x: 220, y: 220, margin: 5 };
    this.mesh = null;
    this.angle = -0.6;
    canvas.addEventListener("pointermove", (e) => {
      if (e.buttons) { this.angle += e.movementX * 0.01; this.render(); }
    });
  }

  setBed(bed) { this.bed = bed; this.render(); }
  setMesh(mesh) { this.mesh = mesh; this.render(); }

  project(x, y, z, scale) {
    const c = Math.cos(this.angle), s = Math.sin(this.angle);
    const rx = x * c - y * s, ry = x * s + y * c;
    return [this.canvas.width / 2 + rx * scale, this.canvas.height * 0.62 - (ry * 0.5 + z) * scale,
            ry];
  }

  render() {
    const { ctx, canvas } = this;
    ctx.fillStyle = "#f4f6fb";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    let extent = Math.max(this.bed.x, this.bed.y) * 0.5;
    const p = this.mesh ? this.mesh.positions : [];
    if (p.length) {
      let m = 10;
      for (let i = 0; i < p.length; i += 3) m = Math.max(m, Math.abs(p[i]), Math.abs(p[i + 1]), p[i + 2]);
      extent = m * 1.6;
    }
    const scale = Math.min(canvas.width, canvas.height) / (2 * extent);
    const bx = this.bed.x / 2, by = this.bed.y / 2;
    ctx.strokeStyle = "#3a6ed8";
    ctx.beginPath();
    [[-bx, -by], [bx, -by], [bx, by], [-bx, by], [-bx, -by]].forEach(([x, y], i) => {
      const [px, py] = this.project(x, y, 0, scale);
      if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    });
    ctx.stroke();
    if (!p.length) return;
    const idx = this.mesh.indices, tris = [];
    for (let t = 0; t < idx.length; t += 3) {
      const v = [idx[t], idx[t + 1], idx[t + 2]].map((k) => [p[3 * k], p[3 * k + 1], p[3 * k + 2]]);
      const ux = v[1][0] - v[0][0], uy = v[1][1] - v[0][1], uz = v[1][2] - v[0][2];
      const wx = v[2][0] - v[0][0], wy = v[2][1] - v[0][1], wz = v[2][2] - v[0][2];
      const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
      const len = Math.hypot(nx, ny, nz) || 1;
      const pts = v.map(([x, y, z]) => this.project(x, y, z, scale));
      const light = 0.45 + 0.55 * Math.max(0, (nz * 0.8 - ny * 0.3 + nx * 0.2) / len);
      tris.push({ pts, depth: (pts[0][2] + pts[1][2] + pts[2][2]) / 3, light });
    }
    tris.sort((a, b) => b.depth - a.depth);
    tris.forEach(({ pts, light }) => {
      ctx.fillStyle = `rgb(${Math.round(243 * light)},${Math.round(156 * light)},${Math.round(18 * light)})`;
      ctx.beginPath();
      ctx.moveTo(pts[0][0], pts[0][1]);
      ctx.lineTo(pts[1][0], pts[1][1]);
      ctx.lineTo(pts[2][0], pts[2][1]);
      ctx.closePath();
      ctx.fill();
    });
  }
}

/** A preview on `canvas`: {setBed({x, y, margin}), setMesh({positions, indices}), kind}. */
export function createPreview(canvas) {
  if (webglWorks(canvas.cloneNode())) {
    try {
      const gl = new GLPreview(canvas);
      gl.kind = "webgl";
      return gl;
    } catch (e) {
      console.warn("WebGL preview unavailable", e);
    }
  }
  const flat = new FlatPreview(canvas);
  flat.kind = "2d";
  return flat;
}
