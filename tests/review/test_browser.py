"""The teacher in a real browser (Debian Chromium): the class code, the overview, the report."""

from __future__ import annotations


def test_teacher_sees_the_overview_and_prints_the_report(browser, live_server, cycle_data,
                                                         output_dir):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + "/")
    page.get_by_text("Enseignant").first.click()
    page.fill("#teacher-code", cycle_data["access_code"].replace("-", "").lower())
    page.get_by_role("button", name="Voir ma classe").click()
    page.wait_for_url("**/enseignant/")
    assert page.get_by_role("heading", name="CE2 bleu").is_visible()
    cell = page.locator('tr:has(th a:text("Les Fusées")) td[data-session="1"]')
    assert cell.get_attribute("data-status") == "all_passed"
    assert "Tous les défis réussis" in cell.inner_text()
    # colour and words: the passed cell is green-ish and not the same as an absent one
    absent = page.locator('tr:has(th a:text("Les Absents")) td[data-session="1"]')
    assert "Absent" in absent.inner_text()
    colour = cell.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour != absent.evaluate("el => getComputedStyle(el).backgroundColor")
    page.screenshot(path=str(output_dir / "enseignant-vue-ensemble.png"), full_page=True)

    page.get_by_role("link", name="Les Fusées").first.click()
    page.wait_for_url("**/enseignant/groupes/*")
    assert page.get_by_text("Le groupe a rejoint la séance 1").is_visible()
    page.screenshot(path=str(output_dir / "enseignant-groupe.png"), full_page=True)

    page.get_by_role("link", name="Rapport à imprimer").click()
    page.wait_for_url("**/enseignant/rapport")
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()  # the print stylesheet hides the bar
    pdf = output_dir / "rapport-classe.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    page.close()


def test_teacher_grid_on_a_tablet(browser, live_server, cycle_data, output_dir):
    """The grid a teacher reads on a tablet: groups told apart, a late group "pas encore
    créé", the guide's skill words. Its screenshot is the guide's docs/img/grille-enseignant.png."""
    from kit.app import station
    from kit.models import Classroom
    from kit.roster import create_group

    with live_server.app.app_context(), station().sessions() as db:
        create_group(db, db.get(Classroom, cycle_data["class_id"]), "Les Nouveaux", "Ana, Léo")
        db.commit()
    for width, height in ((1280, 800), (1024, 768)):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(live_server.url + "/")
        page.get_by_text("Enseignant").first.click()
        page.fill("#teacher-code", cycle_data["access_code"])
        page.get_by_role("button", name="Voir ma classe").click()
        page.wait_for_url("**/enseignant/")
        late = page.locator('tr:has(th a:text("Les Nouveaux")) td[data-session="1"]')
        assert "Groupe pas encore créé" in late.inner_text()
        absent = page.locator('tr:has(th a:text("Les Absents")) td[data-session="1"]')
        assert "Absent" in absent.inner_text()
        assert (late.evaluate("el => getComputedStyle(el).backgroundColor")
                != absent.evaluate("el => getComputedStyle(el).backgroundColor"))
        fusees = page.locator('article.rv-group:has(h3 a:text("Les Fusées"))')
        robots = page.locator('article.rv-group:has(h3 a:text("Les Robots"))')
        assert fusees.locator("table.rv-skills").inner_text() != \
            robots.locator("table.rv-skills").inner_text()
        assert "Encoder" in fusees.inner_text() and "défis réussis sur" in fusees.inner_text()
        # nothing of the grid is cut: the matrix scrolls inside its box, never the page
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(output_dir / f"grille-enseignant-{width}.png"),
                        full_page=True)
        page.close()


def test_session_summary_on_a_tablet(browser, live_server, cycle_data, output_dir):
    """The facilitator's summary of a closed session at 1024x768: the robot each group
    used by its name, plural forms, the day in French, nothing spilling out."""
    from kit.app import station
    from kit.models import Classroom

    with live_server.app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, cycle_data["class_id"])
        s1 = next(s for s in cls.cycles[0].sessions if s.number == 1).id
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(live_server.url + "/")
    page.get_by_text("Animateur·rice").click()
    page.fill("#password", "mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/animateur/")
    page.goto(f"{live_server.url}/animateur/seances/{s1}/bilan")
    figures = page.locator("#summary-figures").inner_text()
    assert "2 / 3 groupes présents" in figures and "3 programmes envoyés" in figures
    fusees = page.locator('#summary-groups tr:has(td strong:text("Les Fusées"))')
    assert fusees.locator(".summary-robot").inner_text() == "Robot rouge"
    assert "12 janvier 2026" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    page.screenshot(path=str(output_dir / "bilan-seance.png"), full_page=True)
    page.close()
