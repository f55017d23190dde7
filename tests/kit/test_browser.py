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


def test_the_facilitator_sees_guessing_appear_on_the_dashboard(browser, live_server, app,
                                                               seeded, output_dir):
    from tests.conftest import csrf_token

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    page.get_by_text("Animateur·rice").click()
    page.fill("#password", seeded["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/animateur/")
    assert not page.locator("#guessing-alert").is_visible()
    from kit.live import broker

    for _i in range(200):  # the dashboard's live stream is open
        if broker.count:
            break
        page.wait_for_timeout(100)
    # someone on the network tries codes from 3 devices
    guesser = app.test_client()
    token = csrf_token(guesser)
    for n in range(12):
        guesser.post("/rejoindre", data={"code": f"lapin{100 + n}", "csrf_token": token},
                     environ_base={"REMOTE_ADDR": f"10.0.0.{n % 3 + 1}"})
    alert = page.locator("#guessing-alert")
    alert.wait_for(state="visible")
    assert "12 codes ou mots de passe faux en 5 min depuis 3 appareils." in alert.inner_text()
    page.screenshot(path=str(output_dir / "alerte-codes.png"), full_page=True)
    page.close()
