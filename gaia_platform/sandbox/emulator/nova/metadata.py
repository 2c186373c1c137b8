"""Nova's metadata service as the sandbox's servers would reach it (control.py routes to it)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from ..http import json_response

if TYPE_CHECKING:
    from ..state import EmulatorState


def answer(state: EmulatorState, rest: str) -> Response:
    """The user data an instance reads from Nova's metadata service, as the instance sees it.

    Real Nova shows ``OS-EXT-SRV-ATTR:user_data`` to admins only, so a member cannot read it back
    through the compute API; the server itself can, at
    http://169.254.169.254/openstack/latest/user_data, which this stands for (the emulator has
    no instances to ask from). Like nova/api/metadata/base.py ``_user_data`` and handler.py (nova
    00a0304): the decoded bytes as text/plain, 404 when the server was given none.
    """
    server_id, _, tail = rest.partition("/")
    server = state.store.table("nova", "servers").get(server_id)
    if tail != "openstack/latest/user_data" or server is None:
        return json_response({"error": f"no sandbox metadata at {rest}"}, 404)
    encoded = server.get("_user_data")
    if encoded is None:
        return Response("404 Not Found", status=404, mimetype="text/plain")
    return Response(base64.b64decode(encoded), mimetype="text/plain")

