"""Programmed objects: blocks become watertight solids; bad blocks get French messages."""

from __future__ import annotations

import pytest

from printers.objects import MAX_OPERATIONS, ObjectError, build_mesh, parse_object
from printers.templates import instantiate, list_templates


def doc(root: dict) -> dict:
    return {"version": 1, "name": "essai", "root": root}


@pytest.mark.parametrize("template_id", ["name_tag", "badge", "pen_holder"])
def test_session_templates_build_one_closed_solid(template_id: str) -> None:
    mesh = build_mesh(instantiate(template_id))
    assert mesh.is_watertight and mesh.body_count == 1
    assert mesh.bounds[0][2] == pytest.approx(0.0)


def test_three_templates_one_per_printing_session() -> None:
    assert sorted(t["session"] for t in list_templates()) == [1, 2, 3]


def test_name_tag_follows_its_parameters_and_keeps_its_hole() -> None:
    short = build_mesh(instantiate("name_tag", name="Al", length=40))
    long = build_mesh(instantiate("name_tag", name="Maëlys-Léa", length=100))
    assert short.extents[0] == pytest.approx(40) and long.extents[0] == pytest.approx(100)
    # the ring hole goes right through: with a letter without holes, the solid has genus 1
    plain = build_mesh(instantiate("name_tag", name="I", length=40))
    assert plain.euler_number == 0


def test_template_parameters_are_checked() -> None:
    with pytest.raises(ObjectError, match="« Longueur \\(mm\\) » doit être entre 40"):
        instantiate("name_tag", length=500)
    with pytest.raises(ObjectError, match="n'a pas de réglage « colour »"):
        instantiate("name_tag", colour="red")


def test_difference_removes_volume_and_repeat_makes_copies() -> None:
    box = {"block": "box", "size": [20, 20, 5]}
    hole = {"block": "translate", "z": -1, "children": [
        {"block": "cylinder", "radius": 5, "height": 10}]}
    drilled = build_mesh(doc({"block": "difference", "children": [box, hole]}))
    assert drilled.volume == pytest.approx(2000 - 3.14159 * 25 * 5, rel=0.02)
    row = build_mesh(doc({"block": "repeat", "times": 4, "offset": [30, 0, 0],
                          "children": [box]}))
    assert row.body_count == 4 and row.extents[0] == pytest.approx(110)


def test_rotate_scale_and_sphere() -> None:
    mesh = build_mesh(doc({"block": "scale", "factor": 2, "children": [
        {"block": "rotate", "z": 90, "children": [{"block": "box", "size": [10, 4, 2]}]}]}))
    assert list(mesh.extents.round(3)) == [8, 20, 4]
    ball = build_mesh(doc({"block": "sphere", "radius": 5}))
    assert ball.is_watertight and ball.extents[2] == pytest.approx(10, abs=0.1)


def test_text_with_accents_is_raised_letters() -> None:
    mesh = build_mesh(doc({"block": "text", "text": "Zoé Ça", "size": 10, "height": 2}))
    assert mesh.is_watertight and mesh.extents[2] == pytest.approx(2)
    assert mesh.extents[1] > 10  # the accent and the cedilla add height


@pytest.mark.parametrize(("root", "message"), [
    ({"block": "cube", "size": [1, 1, 1]}, "Bloc inconnu « cube »"),
    ({"block": "box", "id": "b7", "size": [10, 10, 300]},
     "Bloc « pavé » \\(b7\\) : chaque côté doit mesurer entre 0.2 et 250"),
    ({"block": "cylinder", "id": "c1", "radius": 5},
     "Bloc « cylindre » \\(c1\\) : il manque « hauteur »"),
    ({"block": "text", "id": "t1", "text": "x" * 41},
     "Bloc « texte » \\(t1\\) : « texte » est trop long"),
    ({"block": "text", "id": "t2", "text": "字"}, "La lettre « 字 » n'existe pas"),
    ({"block": "box", "size": [5, 5, 5], "colour": "red"},
     "« colour » n'est pas un réglage de ce bloc"),
    ({"block": "difference", "id": "d1", "children": [{"block": "box", "size": [5, 5, 5]}]},
     "Bloc « enlever » \\(d1\\) : « contenu » est vide ou trop court"),
    ({"block": "repeat", "id": "r1", "times": 50, "children": [
        {"block": "repeat", "times": 50, "children": [{"block": "box", "size": [1, 1, 1]}]}]},
     "Bloc « répéter » \\(r1\\) : l'objet contiendrait 2500 formes"),
])
def test_refused_blocks_are_named(root: dict, message: str) -> None:
    with pytest.raises(ObjectError, match=message):
        build_mesh(doc(root))


def test_limits_on_operations_and_nesting() -> None:
    many = doc({"block": "union", "children": [{"block": "box", "size": [1, 1, 1]}] *
                (MAX_OPERATIONS + 1)})
    with pytest.raises(ObjectError, match="trop de blocs"):
        parse_object(many)
    node: dict = {"block": "box", "id": "deep", "size": [1, 1, 1]}
    for _ in range(12):
        node = {"block": "translate", "x": 1, "children": [node]}
    with pytest.raises(ObjectError, match="les uns dans les autres"):
        parse_object(doc(node))


def test_empty_result_is_refused() -> None:
    box = {"block": "box", "size": [5, 5, 5]}
    big = {"block": "translate", "z": -1, "children": [{"block": "box", "size": [9, 9, 9]}]}
    with pytest.raises(ObjectError, match="L'objet est vide"):
        build_mesh(doc({"block": "difference", "children": [box, big]}))


def test_document_shape_is_checked() -> None:
    with pytest.raises(ObjectError, match="Version d'objet inconnue"):
        parse_object({"version": 2, "root": {}})
    with pytest.raises(ObjectError, match="pas de bloc racine"):
        parse_object({"version": 1})


def test_long_name_shrinks_to_stay_on_its_tag() -> None:
    from printers.checks import overhang_share

    mesh = build_mesh(instantiate("name_tag", name="Marie-Louise", length=40, letter=12))
    assert mesh.extents[0] == pytest.approx(40) and mesh.extents[1] == pytest.approx(18)
    assert overhang_share(mesh) == 0  # no letter hangs over the edge
    text = build_mesh(doc({"block": "text", "text": "Marie-Louise", "size": 12,
                           "max_width": 30}))
    assert text.extents[0] == pytest.approx(30)


def test_block_catalog_for_the_editor() -> None:
    from printers.objects import block_catalog

    catalog = block_catalog()
    assert catalog["difference"]["label"] == "enlever"
    # a group's name (40 characters at most) is never cut
    assert catalog["text"]["schema"]["properties"]["text"]["maxLength"] == 40


# -- complexity budget (issue 13) --------------------------------------------------------
def _bomb(outer: int, inner: int) -> dict:
    from tests.printweb.real_station import object_bomb

    return object_bomb(outer, inner)


def test_an_object_bomb_is_refused_before_building_naming_its_block() -> None:
    from printers.objects import ObjectError, parse_object

    with pytest.raises(ObjectError) as err:
        parse_object(_bomb(50, 8))
    assert str(err.value).startswith("Objet trop compliqué : le bloc « répéter » ferait "
                                     "environ 1\u202f660\u202f800 triangles (au plus "
                                     "100\u202f000).")
    assert err.value.block_id == "rep-outer"


def test_templates_and_modest_repeats_fit_the_budget() -> None:
    from printers.objects import MAX_ESTIMATED_FACES, parse_object
    from printers.templates import instantiate

    for name in ("name_tag", "badge", "pen_holder"):
        assert parse_object(instantiate(name)).faces < MAX_ESTIMATED_FACES / 10
    assert parse_object(_bomb(2, 8)).faces < MAX_ESTIMATED_FACES


def test_built_faces_are_capped(monkeypatch) -> None:
    from printers import objects

    monkeypatch.setattr(objects, "MAX_OUTPUT_FACES", 500)
    with pytest.raises(objects.ObjectError, match="Objet trop compliqué : le bloc « boule »"):
        objects.build_mesh({"version": 1, "root": {"block": "sphere", "radius": 10}})
