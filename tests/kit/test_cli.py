"""The ``mallette`` command as the README uses it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from kit.cli import main
from tests.peers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_commands():
    out = CliRunner().invoke(main, ["--help"]).output
    for command in ("serve", "demo", "check", "db"):
        assert command in out


def test_db_upgrade(tmp_path):
    result = CliRunner().invoke(main, ["db", "upgrade", "--data", str(tmp_path)])
    assert result.exit_code == 0 and "Base de données à jour" in result.output
    assert (tmp_path / "mallette.sqlite3").exists()


def test_demo_answers_with_a_french_page(tmp_path):
    """``mallette demo`` as a real process: prints what the facilitator needs, then serves."""
    port = free_port()
    exe = Path(sys.executable).with_name("mallette")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from kit.cli import main; main()"]
    proc = subprocess.Popen(cmd + ["demo", "--port", str(port), "--host", "127.0.0.1",
                                   "--data", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        lines = [proc.stdout.readline() for _ in range(7)]
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text
        password = re.search(r"Mot de passe animateur·rice : (\S+)", text).group(1)
        codes = re.findall(r"Groupe .+ : code (\w+)", text)
        assert len(codes) == 4
        deadline = time.monotonic() + 20
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the demo did not answer"
                time.sleep(0.2)
        assert resp.status_code == 200 and '<html lang="fr">' in resp.text
        assert "Tape le code de ton groupe" in resp.text
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as web:
            token = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/").text).group(1)
            page = web.post("/connexion", data={"password": password, "csrf_token": token},
                            follow_redirects=True)
            assert "Tableau de bord" in page.text and "École de démonstration" in page.text
    finally:
        proc.terminate()
        proc.wait(10)
