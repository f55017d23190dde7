"""A small REST client for OctoPrint, the print server next to each printer.

Hardware is slow and flaky: every call has a timeout, every failure becomes an
:class:`OctoPrintError` with a French sentence, and a server or printer that is
gone raises :class:`PrinterOfflineError` so the queue can keep the job and try
again later instead of losing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ground.i18n import _

DEFAULT_TIMEOUT = 10.0
UPLOAD_TIMEOUT = 60.0


class OctoPrintError(Exception):
    """A request to OctoPrint failed; ``str(err)`` is a French sentence for people."""


class PrinterOfflineError(OctoPrintError):
    """OctoPrint cannot be reached, or its printer is not connected."""


class OctoPrintAuthError(OctoPrintError):
    """OctoPrint refused the API key."""


@dataclass(frozen=True)
class PrinterState:
    """What the printer is doing, as OctoPrint reports it."""

    text: str
    operational: bool
    printing: bool
    paused: bool
    cancelling: bool
    error: bool
    ready: bool
    hotend_actual: float | None = None
    hotend_target: float | None = None
    bed_actual: float | None = None
    bed_target: float | None = None


@dataclass(frozen=True)
class JobState:
    """The current (or last) job: which file, how far, how long left."""

    state: str
    file_name: str | None
    completion: float | None
    print_time: float | None
    print_time_left: float | None
    estimated_print_time: float | None

    @property
    def is_active(self) -> bool:
        return self.state.startswith(("Printing", "Paused", "Pausing", "Cancelling", "Resuming",
                                      "Starting", "Finishing"))


@dataclass(frozen=True)
class FilePrints:
    """OctoPrint's own record of the prints of one uploaded file (used to reconcile)."""

    name: str
    success: int
    failure: int
    last_success: bool | None


@dataclass(frozen=True)
class AppKeyRequest:
    """A pending API key request: the facilitator approves it in OctoPrint (auth_dialog)."""

    app_token: str
    auth_dialog: str


def _bare_request(method: str, url: str, timeout: float, **kwargs: Any) -> httpx.Response:
    try:
        return httpx.request(method, url, timeout=timeout, **kwargs)
    except httpx.HTTPError as exc:
        raise PrinterOfflineError(
            _("Le serveur OctoPrint %(url)s ne répond pas.", url=url.split("/plugin")[0])
            + f" [{type(exc).__name__}]") from exc


def request_app_key(base_url: str, app: str = "Mallette", user: str | None = None,
                    timeout: float = DEFAULT_TIMEOUT) -> AppKeyRequest:
    """Start OctoPrint's pairing flow (appkeys plugin): a key without typing it anywhere."""
    base_url = base_url.rstrip("/")
    probe = _bare_request("GET", base_url + "/plugin/appkeys/probe", timeout)
    if probe.status_code != 204:
        raise OctoPrintError(_("Ce serveur OctoPrint ne propose pas l'appairage par clé "
                               "d'application (extension appkeys)."))
    body: dict[str, Any] = {"app": app}
    if user:
        body["user"] = user
    resp = _bare_request("POST", base_url + "/plugin/appkeys/request", timeout, json=body)
    if resp.status_code != 201:
        raise OctoPrintError(_("OctoPrint a refusé la demande d'appairage (code %(code)s).",
                               code=resp.status_code))
    data = resp.json()
    return AppKeyRequest(app_token=data["app_token"], auth_dialog=data.get("auth_dialog", ""))


def poll_app_key(base_url: str, app_token: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """The API key once approved, None while pending; an error if refused or expired."""
    resp = _bare_request("GET", f"{base_url.rstrip('/')}/plugin/appkeys/request/{app_token}",
                         timeout)
    if resp.status_code == 202:
        return None
    if resp.status_code == 200:
        return str(resp.json()["api_key"])
    raise OctoPrintAuthError(_("La demande d'appairage a été refusée ou a expiré : "
                               "recommencez et acceptez-la dans OctoPrint."))


class OctoPrintClient:
    """One OctoPrint server (one printer)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = DEFAULT_TIMEOUT,
                 name: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name or self.base_url
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout,
                                    headers={"X-Api-Key": api_key})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OctoPrintClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------
    def _request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 204),
                 timeout: float | None = None, **kwargs: Any) -> httpx.Response:
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            resp = self._client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
                httpx.ReadError, httpx.WriteError) as exc:
            raise PrinterOfflineError(
                _("L'imprimante « %(printer)s » ne répond pas (serveur OctoPrint injoignable).",
                  printer=self.name) + f" [{type(exc).__name__}: {exc}]") from exc
        except httpx.TimeoutException as exc:
            raise PrinterOfflineError(
                _("L'imprimante « %(printer)s » met trop de temps à répondre.",
                  printer=self.name) + f" [{type(exc).__name__}]") from exc
        except httpx.HTTPError as exc:
            raise OctoPrintError(
                _("Erreur de communication avec l'imprimante « %(printer)s ».",
                  printer=self.name) + f" [{exc}]") from exc
        if resp.status_code in (401, 403):
            raise OctoPrintAuthError(
                _("OctoPrint (« %(printer)s ») refuse la clé d'API : vérifiez-la dans kit.yaml.",
                  printer=self.name))
        if resp.status_code not in ok:
            raise OctoPrintError(
                _("OctoPrint (« %(printer)s ») a refusé la demande %(method)s %(path)s "
                  "(code %(code)s).", printer=self.name, method=method, path=path,
                  code=resp.status_code) + f" [{resp.text[:200]}]")
        return resp

    # -- server and connection -----------------------------------------
    def version(self) -> str:
        return str(self._request("GET", "/api/version").json().get("server", ""))

    def connection_state(self) -> str:
        """The serial connection's state: "Operational", "Closed", "Printing", ..."""
        data = self._request("GET", "/api/connection").json()
        return str(data.get("current", {}).get("state", ""))

    def connect(self, port: str = "AUTO", baudrate: int | None = None) -> None:
        """Ask OctoPrint to open the printer's serial port ("VIRTUAL" for the test printer)."""
        body: dict[str, Any] = {"command": "connect", "port": port, "autoconnect": False}
        if baudrate:
            body["baudrate"] = baudrate
        self._request("POST", "/api/connection", json=body)

    def disconnect(self) -> None:
        self._request("POST", "/api/connection", json={"command": "disconnect"})

    def printer_state(self) -> PrinterState:
        """The printer's flags and temperatures; raises PrinterOfflineError if not connected."""
        resp = self._request("GET", "/api/printer", ok=(200, 409))
        if resp.status_code == 409:
            raise PrinterOfflineError(
                _("L'imprimante « %(printer)s » n'est pas connectée à OctoPrint.",
                  printer=self.name))
        data = resp.json()
        state = data.get("state", {})
        flags = state.get("flags", {})
        temps = data.get("temperature", {})
        tool = temps.get("tool0", {})
        bed = temps.get("bed", {})
        return PrinterState(
            text=str(state.get("text", "")),
            operational=bool(flags.get("operational")),
            printing=bool(flags.get("printing")),
            paused=bool(flags.get("paused")),
            cancelling=bool(flags.get("cancelling")),
            error=bool(flags.get("error") or flags.get("closedOrError") and
                       not flags.get("operational")),
            ready=bool(flags.get("ready")),
            hotend_actual=tool.get("actual"), hotend_target=tool.get("target"),
            bed_actual=bed.get("actual"), bed_target=bed.get("target"),
        )

    def send_commands(self, *commands: str) -> None:
        """Send raw G-code lines (used for maintenance, e.g. M220)."""
        self._request("POST", "/api/printer/command", json={"commands": list(commands)})

    # -- files and jobs -------------------------------------------------
    def upload(self, path: str | Path, *, name: str | None = None, print_now: bool = False,
               select: bool = False) -> str:
        """Upload a G-code file to OctoPrint's local storage; return the stored name."""
        path = Path(path)
        name = name or path.name
        with path.open("rb") as fh:
            resp = self._request(
                "POST", "/api/files/local", timeout=UPLOAD_TIMEOUT,
                files={"file": (name, fh, "application/octet-stream")},
                data={"select": str(select or print_now).lower(),
                      "print": str(print_now).lower()})
        info = resp.json().get("files", {}).get("local", {})
        return str(info.get("name", name))

    def file_prints(self, name: str) -> FilePrints | None:
        """OctoPrint's print history of an uploaded file, None if there is no such file."""
        resp = self._request("GET", f"/api/files/local/{name}", ok=(200, 404))
        if resp.status_code == 404:
            return None
        prints = resp.json().get("prints", {}) or {}
        last = prints.get("last") or {}
        return FilePrints(name=name, success=int(prints.get("success", 0)),
                          failure=int(prints.get("failure", 0)),
                          last_success=last.get("success") if last else None)

    def delete_file(self, name: str) -> None:
        self._request("DELETE", f"/api/files/local/{name}", ok=(204, 404))

    def start(self, name: str) -> None:
        """Select an uploaded file and start printing it."""
        resp = self._request("POST", f"/api/files/local/{name}",
                             json={"command": "select", "print": True}, ok=(204, 409))
        if resp.status_code == 409:
            raise PrinterOfflineError(
                _("L'imprimante « %(printer)s » n'est pas prête à imprimer (déconnectée ou "
                  "déjà occupée).", printer=self.name))

    def job(self) -> JobState:
        data = self._request("GET", "/api/job").json()
        job = data.get("job", {}) or {}
        progress = data.get("progress", {}) or {}
        return JobState(
            state=str(data.get("state", "")),
            file_name=(job.get("file") or {}).get("name"),
            completion=progress.get("completion"),
            print_time=progress.get("printTime"),
            print_time_left=progress.get("printTimeLeft"),
            estimated_print_time=job.get("estimatedPrintTime"),
        )

    def cancel(self) -> None:
        resp = self._request("POST", "/api/job", json={"command": "cancel"}, ok=(204, 409))
        if resp.status_code == 409:
            raise OctoPrintError(
                _("Aucune impression en cours à annuler sur « %(printer)s ».",
                  printer=self.name))
