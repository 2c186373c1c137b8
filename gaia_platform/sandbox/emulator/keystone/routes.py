"""Keystone v3 HTTP routes (https://docs.openstack.org/api-ref/identity/v3/)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..http import HTTP_TITLES, ApiError, Call, Service, json_response
from .models import KeystoneBackend

PREFIX = "/identity"
V3_UPDATED = "2023-03-04T00:00:00Z"


def _backend(call: Call) -> KeystoneBackend:
    backend: KeystoneBackend = call.state.backends["keystone"]
    return backend


def _version(call: Call) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": V3_UPDATED,
        "links": [{"rel": "self", "href": f"{call.state.config.base_url}{PREFIX}/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


def versions(call: Call) -> Response:
    # Keystone answers its unversioned root with 300 Multiple Choices.
    return json_response({"versions": {"values": [_version(call)]}}, 300)


def version(call: Call) -> Response:
    return json_response({"version": _version(call)})


def _require_token(call: Call) -> dict[str, Any]:
    token = _backend(call).validate(call.request.headers.get("X-Auth-Token"))
    if token is None:
        raise ApiError(401, "The request you have made requires authentication.")
    return token


def issue_token(call: Call) -> Response:
    auth = call.body_key("auth")
    identity = auth.get("identity")
    if not isinstance(identity, dict):
        raise ApiError(400, "Invalid input for field 'identity': 'identity' is a required property")
    backend = _backend(call)
    found = backend.authenticate(identity)
    if found is None:
        raise ApiError(401, "The request you have made requires authentication.")
    account, app_cred = found
    scope = auth.get("scope")
    if app_cred and scope:
        # Application credentials carry their own scope; asking for another is refused.
        raise ApiError(401, "Application credentials cannot request a scope.")
    if isinstance(scope, dict) and "project" in scope:
        # Each user has a role in its own project only: any other is refused. Keystone's
        # reason ("User … has no access to project …") is a SecurityError, shown only with
        # insecure_debug; the answer is Unauthorized's own text (keystone/exception.py).
        wanted = scope["project"]
        project = backend.project(account)
        if wanted.get("id") not in (None, project["id"]) or wanted.get("name") not in (
            None,
            project["name"],
        ):
            raise ApiError(401, "The request you have made requires authentication.")
    token_id, token = backend.issue(identity["methods"], account, app_cred)
    if "nocatalog" in call.request.args:
        token = {k: v for k, v in token.items() if k != "catalog"}
    return json_response({"token": token}, 201, {"X-Subject-Token": token_id})


def check_token(call: Call) -> Response:
    _require_token(call)
    subject = call.request.headers.get("X-Subject-Token")
    token = _backend(call).validate(subject)
    if token is None:
        raise ApiError(404, f"Could not find token: {subject}.")
    if call.request.method == "HEAD":
        return Response(status=200, headers={"X-Subject-Token": subject or ""})
    return json_response({"token": token}, 200, {"X-Subject-Token": subject or ""})


def revoke_token(call: Call) -> Response:
    _require_token(call)
    subject = call.request.headers.get("X-Subject-Token", "")
    if not _backend(call).revoke(subject):
        raise ApiError(404, f"Could not find token: {subject}.")
    return Response(status=204)


def catalog(call: Call) -> Response:
    _require_token(call)
    return json_response({"catalog": _backend(call).catalog(), "links": {"self": call.request.url}})


def auth_projects(call: Call) -> Response:
    token = _require_token(call)
    return json_response({"projects": [token["project"]], "links": {}})


# keystone/common/policies/user.py and project.py: a project member may read its own user
# and project only; anything else is refused before it is looked up.
def _refused(action: str) -> ApiError:
    return ApiError(403, f"You are not authorized to perform the requested action: {action}.")


def get_user(call: Call, user_id: str) -> Response:
    token = _require_token(call)
    if user_id != token["user"]["id"]:
        raise _refused("identity:get_user")
    user = token["user"]
    return json_response({"user": {**user, "enabled": True, "domain_id": user["domain"]["id"]}})


def get_project(call: Call, project_id: str) -> Response:
    token = _require_token(call)
    project = token["project"]
    if project_id != project["id"]:
        raise _refused("identity:get_project")
    return json_response({"project": {**project, "enabled": True,
                                      "domain_id": project["domain"]["id"]}})


def _own_user(call: Call, user_id: str) -> dict[str, Any]:
    token = _require_token(call)
    if token["user"]["id"] != user_id:
        raise ApiError(403, "You are not authorized to perform the requested action.")
    if token.get("application_credential", {}).get("restricted"):
        # A restricted application credential cannot create or delete others (Keystone docs).
        raise ApiError(403, "Using method 'application_credential' is not allowed for managing "
                            "additional application credentials.")
    return token


def app_creds(call: Call, user_id: str) -> Response:
    token = _own_user(call, user_id)
    backend = _backend(call)
    if call.request.method == "POST":
        body = call.body_key("application_credential")
        created = backend.create_app_cred(user_id, str(token["project"]["id"]), body)
        return json_response({"application_credential": created}, 201)
    return json_response({"application_credentials": backend.app_creds(user_id), "links": {}})


def app_cred(call: Call, user_id: str, cred_id: str) -> Response:
    _own_user(call, user_id)
    backend = _backend(call)
    if call.request.method == "DELETE":
        backend.delete_app_cred(user_id, cred_id)
        return Response(status=204)
    return json_response({"application_credential": backend.app_cred(user_id, cred_id)})


def error_body(error: ApiError) -> dict[str, Any]:
    title = HTTP_TITLES.get(error.status, "Error")
    return {"error": {"code": error.status, "message": error.message, "title": title}}


SERVICE = Service(
    name="identity",
    prefix=PREFIX,
    requires_auth=False,
    error_body=error_body,
    rules=[
        ("/", ["GET"], versions),
        ("/v3", ["GET"], version),
        ("/v3/auth/tokens", ["POST"], issue_token),
        ("/v3/auth/tokens", ["GET", "HEAD"], check_token),
        ("/v3/auth/tokens", ["DELETE"], revoke_token),
        ("/v3/auth/catalog", ["GET"], catalog),
        ("/v3/auth/projects", ["GET"], auth_projects),
        ("/v3/users/<user_id>", ["GET"], get_user),
        ("/v3/projects/<project_id>", ["GET"], get_project),
        ("/v3/users/<user_id>/application_credentials", ["GET", "POST"], app_creds),
        ("/v3/users/<user_id>/application_credentials/<cred_id>", ["GET", "DELETE"], app_cred),
    ],
)
