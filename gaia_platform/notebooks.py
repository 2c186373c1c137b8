"""``platform notebooks``: the example notes in notebooks/ loaded into a running Zeppelin
through its REST API (Zeppelin 0.9.0's: POST /api/login, GET /api/notebook,
POST /api/notebook/import?notePath=..., zeppelin-server rest/LoginRestApi.java and
NotebookRestApi.java). A note whose path already exists is left alone, so a re-run changes
nothing and an astronomer's edits are never overwritten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CloudError, ConfigError

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
#: The folder the examples appear in on the Zeppelin home page.
FOLDER = "/Gaia examples"


@dataclass(frozen=True)
class ExampleNote:
    name: str
    path: str
    body: str


def example_notes(directory: Path = NOTEBOOKS_DIR) -> list[ExampleNote]:
    """The notes to load, from Zeppelin 0.9 note files (``<name>_<id>.zpln``)."""
    notes = []
    for file in sorted(directory.glob("*.zpln")):
        try:
            note = json.loads(file.read_text())
            name = note["name"]
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"{file}: not a Zeppelin note ({exc}).") from exc
        notes.append(ExampleNote(name, f"{FOLDER}/{name}", file.read_text()))
    if not notes:
        raise ConfigError(f"{directory}: no Zeppelin notes (*.zpln) to load.")
    return notes


class ZeppelinRest:
    """The few calls of Zeppelin's REST API this needs, with a logged-in session."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _answer(self, response: Any, what: str) -> Any:
        if response.status_code != 200:
            raise CloudError(f"Zeppelin at {self.url} answered HTTP {response.status_code} to "
                             f"{what}.")
        return response.json().get("body")

    def login(self, user: str, password: str) -> None:
        import requests

        try:
            response = self.session.post(f"{self.url}/api/login",
                                         data={"userName": user, "password": password},
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            raise CloudError(f"Cannot reach Zeppelin at {self.url}: {exc.__class__.__name__}. "
                             "Is the URL right (see `platform status`)?") from exc
        if response.status_code in (401, 403):
            raise ConfigError(f"Zeppelin at {self.url} refused the login of {user!r}: check "
                              "the password (Secret zeppelin-auth).")
        self._answer(response, "the login")

    def note_paths(self) -> set[str]:
        notes = self._answer(self.session.get(f"{self.url}/api/notebook", timeout=self.timeout),
                             "the note list")
        return {"/" + str(note.get("path", note.get("name", ""))).lstrip("/") for note in notes}

    def import_note(self, note: ExampleNote) -> str:
        response = self.session.post(f"{self.url}/api/notebook/import",
                                     params={"notePath": note.path},
                                     data=note.body.encode(), timeout=self.timeout,
                                     headers={"Content-Type": "application/json"})
        return str(self._answer(response, f"importing {note.path!r}"))


def load(url: str, user: str, password: str,
         notes: list[ExampleNote] | None = None) -> dict[str, list[str]]:
    """Import every example note that is not there yet; what was imported and what was kept."""
    client = ZeppelinRest(url)
    client.login(user, password)
    present = client.note_paths()
    result: dict[str, list[str]] = {"imported": [], "present": []}
    for note in notes if notes is not None else example_notes():
        if note.path in present:
            result["present"].append(note.path)
        else:
            client.import_note(note)
            result["imported"].append(note.path)
    return result
