"""Programmed objects: the JSON a pupil builds with blocks, validated, then made solid.

An object document is ``{"version": 1, "name": "...", "root": NODE}``. Every node is a
JSON object whose ``"block"`` names its block (an optional ``"id"`` is the Blockly id,
so a message can point at the block on screen):

============  ==============================================================
block         fields
============  ==============================================================
box           ``size``: [x, y, z] mm; sits on the plate, centred on x/y
cylinder      ``radius``, ``height`` mm; sits on the plate, centred on x/y
sphere        ``radius`` mm; sits on the plate, centred on x/y
text          ``text`` (1–40 characters), ``size`` (capital letter height, mm),
              ``height`` (thickness, mm), optional ``max_width`` (mm: longer text
              shrinks to fit); sits on the plate, centred on x/y
translate     ``x``, ``y``, ``z`` mm; ``children``
rotate        ``x``, ``y``, ``z`` degrees; ``children``
scale         ``factor`` (or ``x``, ``y``, ``z``); ``children``
union         ``children``: all of them together
difference    ``children``: the first one minus all the others
repeat        ``times`` (1–50), ``offset`` [dx, dy, dz] mm, ``angle`` (degrees around
              the vertical axis) applied once more for each copy; ``children``
============  ==============================================================

Several children under an operation are joined (as in ``union``). Solids are made
with manifold3d, whose booleans always give closed (watertight) meshes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import manifold3d
import numpy as np
import trimesh
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ground.i18n import _
from printers.text import TextError, text_faces, text_outline

MAX_SIZE_MM = 250.0
MIN_SIZE_MM = 0.2
MAX_OPERATIONS = 200
MAX_DEPTH = 10
MAX_SOLIDS = 400  # primitives after repeats are expanded
MAX_TEXT = 40  # a group's name (40 characters at most) is never cut
CIRCLE_SEGMENTS = 48
# why: 400 copies of a 20-letter text are allowed shapes but made ~1 million triangles in
# 69 s of CPU; the estimate is checked before building, the real count after
MAX_ESTIMATED_FACES = 100_000
MAX_OUTPUT_FACES = 250_000
PRIMITIVE_FACES = {"box": 12, "cylinder": 4 * CIRCLE_SEGMENTS,
                   "sphere": CIRCLE_SEGMENTS * CIRCLE_SEGMENTS // 2}


def block_label(block: str) -> str:
    """The block's name as the pupils see it in the editor."""
    labels = {
        "box": _("pavé"), "cylinder": _("cylindre"), "sphere": _("boule"), "text": _("texte"),
        "translate": _("déplacer"), "rotate": _("tourner"), "scale": _("agrandir"),
        "union": _("assembler"), "difference": _("enlever"), "repeat": _("répéter"),
    }
    return labels.get(block, block)


def field_label(name: str) -> str:
    labels = {
        "size": _("taille"), "radius": _("rayon"), "height": _("hauteur"), "text": _("texte"),
        "factor": _("facteur"), "times": _("nombre de fois"), "offset": _("décalage"),
        "angle": _("angle"), "children": _("contenu"), "block": _("bloc"),
    }
    return labels.get(name, name)

class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    block: str
    id: str | None = Field(default=None, max_length=64)


class BoxNode(_Node):
    block: Literal["box"]
    size: tuple[float, float, float]


class CylinderNode(_Node):
    block: Literal["cylinder"]
    radius: float = Field(ge=MIN_SIZE_MM / 2, le=MAX_SIZE_MM / 2)
    height: float = Field(ge=MIN_SIZE_MM, le=MAX_SIZE_MM)


class SphereNode(_Node):
    block: Literal["sphere"]
    radius: float = Field(ge=MIN_SIZE_MM / 2, le=MAX_SIZE_MM / 2)


class TextNode(_Node):
    block: Literal["text"]
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    size: float = Field(default=8.0, ge=3.0, le=60.0)
    height: float = Field(default=2.0, ge=MIN_SIZE_MM, le=20.0)
    max_width: float | None = Field(default=None, ge=5.0, le=MAX_SIZE_MM)


class TranslateNode(_Node):
    block: Literal["translate"]
    x: float = Field(default=0.0, ge=-MAX_SIZE_MM, le=MAX_SIZE_MM)
    y: float = Field(default=0.0, ge=-MAX_SIZE_MM, le=MAX_SIZE_MM)
    z: float = Field(default=0.0, ge=-MAX_SIZE_MM, le=MAX_SIZE_MM)
    children: list[dict[str, Any]] = Field(min_length=1)


class RotateNode(_Node):
    block: Literal["rotate"]
    x: float = Field(default=0.0, ge=-360, le=360)
    y: float = Field(default=0.0, ge=-360, le=360)
    z: float = Field(default=0.0, ge=-360, le=360)
    children: list[dict[str, Any]] = Field(min_length=1)


class ScaleNode(_Node):
    block: Literal["scale"]
    factor: float | None = Field(default=None, ge=0.05, le=20)
    x: float | None = Field(default=None, ge=0.05, le=20)
    y: float | None = Field(default=None, ge=0.05, le=20)
    z: float | None = Field(default=None, ge=0.05, le=20)
    children: list[dict[str, Any]] = Field(min_length=1)


class UnionNode(_Node):
    block: Literal["union"]
    children: list[dict[str, Any]] = Field(min_length=1)


class DifferenceNode(_Node):
    block: Literal["difference"]
    children: list[dict[str, Any]] = Field(min_length=2)


_Step = Annotated[float, Field(ge=-MAX_SIZE_MM, le=MAX_SIZE_MM)]


class RepeatNode(_Node):
    block: Literal["repeat"]
    times: int = Field(ge=1, le=50)
    # why bounded: an unbounded step (1e308) overflows to infinity and crashed manifold3d
    offset: tuple[_Step, _Step, _Step] = (0.0, 0.0, 0.0)
    angle: float = Field(default=0.0, ge=-360, le=360)
    children: list[dict[str, Any]] = Field(min_length=1)


NODE_MODELS: dict[str, type[_Node]] = {
    "box": BoxNode, "cylinder": CylinderNode, "sphere": SphereNode, "text": TextNode,
    "translate": TranslateNode, "rotate": RotateNode, "scale": ScaleNode,
    "union": UnionNode, "difference": DifferenceNode, "repeat": RepeatNode,
}


def block_catalog() -> dict[str, dict[str, Any]]:
    """Every block with its French label and the JSON schema of its fields (for the editor)."""
    return {name: {"label": block_label(name), "schema": model.model_json_schema()}
            for name, model in NODE_MODELS.items()}


class ObjectError(ValueError):
    """A refused object: a French message naming the block (label and id)."""

    def __init__(self, message: str, block_id: str | None = None) -> None:
        super().__init__(message)
        self.block_id = block_id

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a worker process with its block
        return (type(self), (str(self), self.block_id))


@dataclass
class ObjectNode:
    """A validated node; ``children`` are validated nodes too."""

    spec: _Node
    children: list[ObjectNode] = field(default_factory=list)


@dataclass
class ProgrammedObject:
    name: str
    root: ObjectNode
    operations: int
    solids: int
    faces: int = 0  # estimated triangles of the built solid


def _grouped(n: int) -> str:
    return format(n, ",").replace(",", "\u202f")


def _too_complex(block: str, block_id: str | None, faces: int, limit: int) -> ObjectError:
    return ObjectError(_("Objet trop compliqué : le bloc « %(label)s » ferait environ %(n)s "
                         "triangles (au plus %(max)s). Répète moins de fois ou utilise moins "
                         "de formes.", label=block_label(block), n=_grouped(faces),
                         max=_grouped(limit)), block_id)


def _where(raw: dict[str, Any]) -> str:
    label = block_label(str(raw.get("block")))
    if raw.get("id"):
        return _("Bloc « %(label)s » (%(id)s)", label=label, id=raw["id"])
    return _("Bloc « %(label)s »", label=label)


def _field_message(err: dict[str, Any]) -> str:
    loc = [p for p in err.get("loc", ()) if isinstance(p, str)]
    name = field_label(loc[0]) if loc else "?"
    ctx = err.get("ctx", {}) or {}
    kind = err.get("type", "")
    if kind == "missing":
        return _("il manque « %(field)s »", field=name)
    if kind == "extra_forbidden":
        return _("« %(field)s » n'est pas un réglage de ce bloc", field=loc[0] if loc else "?")
    if kind in ("greater_than_equal", "greater_than"):
        return _("« %(field)s » doit valoir au moins %(limit)s", field=name,
                 limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("« %(field)s » doit valoir au plus %(limit)s", field=name,
                 limit=ctx.get("le", ctx.get("lt")))
    if kind in ("string_too_long", "too_long"):
        return _("« %(field)s » est trop long (au plus %(limit)s)", field=name,
                 limit=ctx.get("max_length"))
    if kind in ("string_too_short", "too_short"):
        return _("« %(field)s » est vide ou trop court", field=name)
    if kind == "literal_error":
        return _("« %(field)s » a une valeur inconnue", field=name)
    return _("« %(field)s » n'est pas valable", field=name)


def _parse(raw: Any, depth: int, counter: list[int], path: str
           ) -> tuple[ObjectNode, int, int]:
    """Validate one node and its children; return it, its solids and its estimated faces."""
    if not isinstance(raw, dict):
        raise ObjectError(_("%(path)s : un bloc doit être un objet JSON.", path=path))
    block = raw.get("block")
    if not isinstance(block, str) or block not in NODE_MODELS:  # a dict is no dict key
        raise ObjectError(_("Bloc inconnu « %(block)s » (%(path)s).", block=block, path=path),
                          raw.get("id"))
    where = _where(raw)
    counter[0] += 1
    if counter[0] > MAX_OPERATIONS:
        raise ObjectError(_("%(where)s : l'objet a trop de blocs (au plus %(max)s).",
                            where=where, max=MAX_OPERATIONS), raw.get("id"))
    if depth > MAX_DEPTH:
        raise ObjectError(_("%(where)s : trop de blocs les uns dans les autres (au plus "
                            "%(max)s niveaux).", where=where, max=MAX_DEPTH), raw.get("id"))
    try:
        spec = NODE_MODELS[block].model_validate(raw)
    except ValidationError as exc:
        detail = " ; ".join(_field_message(e) for e in exc.errors()[:3])
        raise ObjectError(f"{where} : {detail}.", raw.get("id")) from None
    if isinstance(spec, BoxNode):
        for value in spec.size:
            if not MIN_SIZE_MM <= value <= MAX_SIZE_MM:
                raise ObjectError(_("%(where)s : chaque côté doit mesurer entre %(min)s et "
                                    "%(max)s mm (reçu %(value)s).", where=where,
                                    min=MIN_SIZE_MM, max=MAX_SIZE_MM, value=value), spec.id)
    if isinstance(spec, ScaleNode) and spec.factor is None and not any(
            v is not None for v in (spec.x, spec.y, spec.z)):
        raise ObjectError(_("%(where)s : indiquez un facteur.", where=where), spec.id)
    children: list[ObjectNode] = []
    solids = 0 if hasattr(spec, "children") else 1
    faces = PRIMITIVE_FACES.get(block, 0)
    if isinstance(spec, TextNode):
        try:
            faces = text_faces(spec.text)
        except TextError as exc:
            raise ObjectError(f"{where} : {exc}", spec.id) from None
    for i, child in enumerate(getattr(spec, "children", [])):
        node, n, f = _parse(child, depth + 1, counter,
                            f"{path} > {block_label(block)}[{i + 1}]")
        children.append(node)
        solids += n
        faces += f
    if isinstance(spec, RepeatNode):
        solids *= spec.times
        faces *= spec.times
    if solids > MAX_SOLIDS:
        raise ObjectError(_("%(where)s : l'objet contiendrait %(n)s formes, c'est trop (au plus "
                            "%(max)s).", where=where, n=solids, max=MAX_SOLIDS), spec.id)
    if faces > MAX_ESTIMATED_FACES:
        raise _too_complex(block, spec.id, faces, MAX_ESTIMATED_FACES)
    return ObjectNode(spec, children), solids, faces


def parse_object(doc: Any) -> ProgrammedObject:
    """Validate an object document; raise ObjectError with a French message naming the block."""
    if not isinstance(doc, dict):
        raise ObjectError(_("L'objet doit être un document JSON (un dictionnaire)."))
    if doc.get("version") != 1:
        raise ObjectError(_("Version d'objet inconnue : %(v)s (attendu : 1).",
                            v=doc.get("version")))
    name = doc.get("name", "")
    if not isinstance(name, str) or len(name) > 60:
        raise ObjectError(_("Le nom de l'objet doit être un texte de 60 caractères au plus."))
    if "root" not in doc:
        raise ObjectError(_("L'objet n'a pas de bloc racine (« root »)."))
    counter = [0]
    root, solids, faces = _parse(doc["root"], 1, counter, "root")
    return ProgrammedObject(name=name, root=root, operations=counter[0], solids=solids,
                            faces=faces)


def blocks_used(doc: dict[str, Any] | None) -> list[str]:
    """The blocks of an object document, one entry per block placed (for the saved
    version's ``program.saved`` event and the printing challenges' criteria)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "block" in node:
                out.append(str(node["block"]))
            for child in node.get("children", []) or []:
                walk(child)

    if doc:
        walk(doc.get("root"))
    return out


# -- building ------------------------------------------------------------------
def _join(parts: list[manifold3d.Manifold]) -> manifold3d.Manifold:
    if len(parts) == 1:
        return parts[0]
    return manifold3d.Manifold.batch_boolean(parts, manifold3d.OpType.Add)


def _build(node: ObjectNode) -> manifold3d.Manifold:
    s = node.spec
    if isinstance(s, BoxNode):
        x, y, z = s.size
        return manifold3d.Manifold.cube((x, y, z)).translate((-x / 2, -y / 2, 0))
    if isinstance(s, CylinderNode):
        return manifold3d.Manifold.cylinder(s.height, s.radius,
                                            circular_segments=CIRCLE_SEGMENTS)
    if isinstance(s, SphereNode):
        return manifold3d.Manifold.sphere(s.radius, CIRCLE_SEGMENTS).translate(
            (0, 0, s.radius))
    if isinstance(s, TextNode):
        try:
            outline = text_outline(s.text, s.size)
        except TextError as exc:
            raise ObjectError(f"{_where(s.model_dump())} : {exc}", s.id) from None
        x0, y0, x1, y1 = outline.bounds()
        if s.max_width is not None and x1 - x0 > s.max_width:
            # a long first name shrinks to fit its tag instead of hanging over the edge
            ratio = s.max_width / (x1 - x0)
            outline = outline.scale((ratio, ratio))
            x0, y0, x1, y1 = outline.bounds()
        solid = outline.extrude(s.height)
        return solid.translate((-(x0 + x1) / 2, -(y0 + y1) / 2, 0))
    children = [_build(c) for c in node.children]
    if isinstance(s, DifferenceNode):
        return manifold3d.Manifold.batch_boolean(children, manifold3d.OpType.Subtract)
    body = _join(children)
    if isinstance(s, TranslateNode):
        return body.translate((s.x, s.y, s.z))
    if isinstance(s, RotateNode):
        return body.rotate((s.x, s.y, s.z))
    if isinstance(s, ScaleNode):
        f = s.factor or 1.0
        return body.scale((s.x or f, s.y or f, s.z or f))
    if isinstance(s, RepeatNode):
        copies = []
        dx, dy, dz = s.offset
        for i in range(s.times):
            copies.append(body.rotate((0, 0, s.angle * i)).translate((dx * i, dy * i, dz * i)))
        return _join(copies)
    return body  # union


def to_trimesh(solid: manifold3d.Manifold) -> trimesh.Trimesh:
    mesh = solid.to_mesh()
    verts = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3]
    faces = np.asarray(mesh.tri_verts, dtype=np.int64)
    return trimesh.Trimesh(vertices=verts, faces=faces, process=True)


def build_mesh(obj: ProgrammedObject | dict[str, Any]) -> trimesh.Trimesh:
    """The object's solid as a trimesh mesh, in mm, resting on z=0."""
    if not isinstance(obj, ProgrammedObject):
        obj = parse_object(obj)
    solid = _build(obj.root)
    if solid.num_tri() > MAX_OUTPUT_FACES:
        raise _too_complex(obj.root.spec.block, obj.root.spec.id, solid.num_tri(),
                           MAX_OUTPUT_FACES)
    if solid.is_empty():
        raise ObjectError(_("L'objet est vide : rien à imprimer (une forme en enlève-t-elle "
                            "une autre entièrement ?)."))
    mesh = to_trimesh(solid)
    mesh.apply_translation((0, 0, -mesh.bounds[0][2]))
    return mesh
