"""Real-browser smoke test: Debian Chromium, driven by Playwright."""

from __future__ import annotations

from tests.conftest import login_as  # noqa: F401 - documents the other way in


def test_facilitator_logs_in_in_french(browser, live_server, seeded, output_dir):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_text("Tape le code de ton groupe").is_visible()
    page.get_by_text("Animateur·rice").click()
    page.fill("#password", seeded["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/animateur/")
    assert page.get_by_role("heading", name="Tableau de bord").is_visible()
    assert page.get_by_text("École des Tilleuls").is_visible()
    page.screenshot(path=str(output_dir / "tableau-de-bord.png"), full_page=True)
    page.close()


def test_pupils_join_on_a_tablet(browser, live_server, app, seeded, output_dir):
    from tests.kit.test_roles import open_session_one

    open_session_one(app, seeded["class_id"])
    page = browser.new_page(viewport={"width": 800, "height": 1280}, has_touch=True)
    page.goto(live_server.url + "/")
    box = page.locator("#join-code").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 200  # big enough for small fingers
    page.screenshot(path=str(output_dir / "accueil-tablette.png"))
    page.fill("#join-code", seeded["join_code"])
    page.get_by_role("button", name="Entrer").tap()
    page.wait_for_url("**/groupe/")
    assert page.get_by_role("heading", name="Les Fusées").is_visible()
    page.screenshot(path=str(output_dir / "groupe-tablette.png"))
    page.close()
