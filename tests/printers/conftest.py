"""Real peers for the printing tests: OctoPrint with its Virtual Printer, PrusaSlicer."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tests.peers import free_port, missing

REPO_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "mallette-test-key-0123456789abcdef"


def octoprint_executable() -> str | None:
    """OctoPrint lives in its own venv (printers/install_octoprint.sh)."""
    candidates = []
    if os.environ.get("OCTOPRINT_VENV"):
        candidates.append(Path(os.environ["OCTOPRINT_VENV"]) / "bin" / "octoprint")
    candidates.append(REPO_ROOT / ".octoprint-venv" / "bin" / "octoprint")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return shutil.which("octoprint")


def write_octoprint_config(basedir: Path) -> None:
    """A headless, offline OctoPrint with a fast Virtual Printer."""
    config = {
        "server": {
            "firstRun": False,
            "onlineCheck": {"enabled": False},
            "pluginBlacklist": {"enabled": False},
            "seenWizards": {"corewizard": 4, "backup": None, "tracking": None,
                            "firmwarecheck": None, "pluginmanager": None,
                            "softwareupdate": None, "announcements": None},
        },
        "api": {"key": API_KEY},
        "serial": {"autoconnect": False, "log": True},
        "plugins": {
            "_disabled": ["softwareupdate", "announcements", "tracking", "pluginmanager",
                          "achievements", "healthcheck", "errortracking"],
            "tracking": {"enabled": False},
            "virtual_printer": {
                "enabled": True,
                "simulateReset": False,
                "sendWait": False,
                "okAfterResend": True,
                "resend_ratio": 0,
                # by default it fakes resends and timeouts at lines 100-115
                "simulated_errors": [],
            },
        },
    }
    (basedir / "config.yaml").write_text(yaml.safe_dump(config))


@dataclass
class OctoPrintPeer:
    url: str
    api_key: str
    basedir: Path
    process: subprocess.Popen[bytes]
    port: int
    argv: list[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def start(self) -> None:
        """(Re)start the server on the same port and basedir and wait until it answers."""
        log = (self.basedir / "serve.log").open("ab")
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        wait_online(self.url, self.process)


def wait_online(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"OctoPrint exited with code {process.returncode}")
        try:
            if httpx.get(url + "/online.txt", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError("OctoPrint did not come online in time")


def start_octoprint(basedir: Path) -> OctoPrintPeer:
    exe = octoprint_executable()
    if exe is None:
        missing("OctoPrint not installed: run printers/install_octoprint.sh")
    write_octoprint_config(basedir)
    port = free_port()
    argv = [exe, "-b", str(basedir), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--iknowwhatimdoing")
    peer = OctoPrintPeer(url=f"http://127.0.0.1:{port}", api_key=API_KEY, basedir=basedir,
                         process=None, port=port, argv=argv)  # type: ignore[arg-type]
    try:
        peer.start()
    except RuntimeError as exc:
        peer.stop() if peer.process else None
        log = (basedir / "serve.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"{exc}\n{log}", pytrace=False)
    return peer


@pytest.fixture(scope="session")
def prusa_slicer() -> str:
    exe = shutil.which("prusa-slicer")
    if exe is None:
        missing("prusa-slicer not found (Debian package prusa-slicer)")
    return exe  # type: ignore[return-value]


def connect_virtual(peer: OctoPrintPeer) -> None:
    """Connect the Virtual Printer, make it fast, and heat it in advance.

    The virtual hotend heats at 10 °C/s: preheating here keeps M109/M190 in the
    prints from waiting 20 s each. M220/M221 S2000 make simulated moves 20x faster.
    """
    from printers.octoprint import OctoPrintClient

    with OctoPrintClient(peer.url, peer.api_key, name="virtuelle") as client:
        client.connect("VIRTUAL")
        deadline = time.monotonic() + 30
        while client.connection_state() != "Operational":
            if time.monotonic() > deadline:
                pytest.fail("the Virtual Printer did not become operational", pytrace=False)
            time.sleep(0.2)
        client.send_commands("M220 S2000", "M221 S2000", "M104 S215", "M140 S60")


@pytest.fixture(scope="session")
def octoprint_ready(octoprint: OctoPrintPeer) -> OctoPrintPeer:
    connect_virtual(octoprint)
    return octoprint


@pytest.fixture(scope="session")
def sliced(tmp_path_factory: pytest.TempPathFactory, prusa_slicer: str) -> dict[str, Path]:
    """Real G-code files: a name tag (short print) and a badge (long enough to cancel)."""
    from printers.objects import build_mesh
    from printers.profiles import get_profile
    from printers.slicing import slice_one
    from printers.templates import instantiate

    out = tmp_path_factory.mktemp("gcode")
    profile = get_profile("default")
    tag = slice_one(build_mesh(instantiate("name_tag", name="Léa")), profile, out / "tag.gcode")
    badge = slice_one(build_mesh(instantiate("badge", diameter=70)), profile,
                      out / "badge.gcode")
    return {"tag": tag.gcode_path, "badge": badge.gcode_path}


@pytest.fixture(autouse=True)
def _no_worker_left():
    """Pools a test starts stop their worker processes when it ends."""
    yield
    from printers.workers import shutdown_all

    shutdown_all()
