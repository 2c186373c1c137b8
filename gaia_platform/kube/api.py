"""The Kubernetes API, with the verbs the steps use (find / create / replace / patch /
delete with ignore_missing), so that nothing outside kube/ imports the client library.

``find_*`` answer None for an object that is not there (HTTP 404); any other refusal becomes a
CloudError naming the status. Bodies are the API's own JSON (dicts) or the client's models,
as the client takes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import CloudError

T = TypeVar("T")


class Unreachable(Exception):
    """The cluster did not answer (connection refused, TLS, timeout) or refused us."""


def find(read: Callable[[], T]) -> T | None:
    """What ``read`` returns, or None when the API says the object is not there."""
    from kubernetes.client.exceptions import ApiException

    try:
        return read()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise CloudError(f"The Kubernetes API answered HTTP {exc.status}: {exc.reason}") from exc


def _ignoring_missing(delete: Callable[[], Any], ignore_missing: bool) -> bool:
    """True if it was deleted, False if it was not there (and that is fine)."""
    from kubernetes.client.exceptions import ApiException

    try:
        delete()
    except ApiException as exc:
        if exc.status != 404 or not ignore_missing:
            raise
        return False
    return True


def is_missing(exc: BaseException) -> bool:
    """Whether an error is the API's 404."""
    from kubernetes.client.exceptions import ApiException

    return isinstance(exc, ApiException) and exc.status == 404


def read_json(api: Any, path: str) -> dict[str, Any] | None:
    """GET an API path as the API's JSON, without the typed client's models (they cost more
    than the call: kube/observed.py get_json); None when the object is not there."""
    from .observed import get_json

    return find(lambda: get_json(api, path, []))


def answers(api: Any) -> bool:
    """Whether the cluster answers (GET /version)."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from .observed import get_json

    try:
        get_json(api, "/version", [])
    except (ApiException, HTTPError, OSError):
        return False
    return True


class Kube:
    def __init__(self, api: Any) -> None:
        from kubernetes import client

        self.api = api
        self.core = client.CoreV1Api(api)
        self._client = client

    # -- the cluster itself ---------------------------------------------------------------------
    def version(self) -> str:
        """The apiserver's version (its git_version); Unreachable when it does not answer."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return str(self._client.VersionApi(self.api).get_code().git_version)
        except (ApiException, HTTPError, OSError) as exc:
            raise Unreachable(str(exc)) from exc

    # -- cluster-wide objects -------------------------------------------------------------------
    def find_namespace(self, name: str) -> Any | None:
        return find(lambda: self.core.read_namespace(name))

    def create_namespace(self, body: Any) -> Any:
        return self.core.create_namespace(body)

    def patch_namespace(self, name: str, patch: dict[str, Any]) -> Any:
        return self.core.patch_namespace(name, patch)

    def delete_namespace(self, name: str, ignore_missing: bool = True) -> bool:
        return _ignoring_missing(lambda: self.core.delete_namespace(name), ignore_missing)

    def find_csi_driver(self, name: str) -> Any | None:
        return find(lambda: self._client.StorageV1Api(self.api).read_csi_driver(name))

    def find_ingress_class(self, name: str) -> Any | None:
        return find(lambda: self._client.NetworkingV1Api(self.api).read_ingress_class(name))

    def find_custom_resource_definition(self, name: str) -> Any | None:
        return find(lambda: self._client.ApiextensionsV1Api(self.api)
                    .read_custom_resource_definition(name))

    # -- volumes and claims ---------------------------------------------------------------------
    def volumes(self, label_selector: str) -> list[Any]:
        return list(self.core.list_persistent_volume(label_selector=label_selector).items)

    def create_volume(self, body: Any) -> Any:
        return self.core.create_persistent_volume(body)

    def patch_volume(self, name: str, patch: dict[str, Any]) -> Any:
        return self.core.patch_persistent_volume(name, patch)

    def delete_volume(self, name: str, ignore_missing: bool = True) -> bool:
        return _ignoring_missing(lambda: self.core.delete_persistent_volume(name),
                                 ignore_missing)

    def create_claim(self, namespace: str, body: Any) -> Any:
        return self.core.create_namespaced_persistent_volume_claim(namespace, body)

    def patch_claim(self, name: str, namespace: str, patch: dict[str, Any]) -> Any:
        return self.core.patch_namespaced_persistent_volume_claim(name, namespace, patch)

    def delete_claim(self, name: str, namespace: str, ignore_missing: bool = True) -> bool:
        return _ignoring_missing(
            lambda: self.core.delete_namespaced_persistent_volume_claim(name, namespace),
            ignore_missing)

    # -- secrets --------------------------------------------------------------------------------
    def find_secret(self, name: str, namespace: str) -> Any | None:
        return find(lambda: self.core.read_namespaced_secret(name, namespace))

    def create_secret(self, namespace: str, body: Any) -> Any:
        return self.core.create_namespaced_secret(namespace, body)

    def replace_secret(self, name: str, namespace: str, body: Any) -> Any:
        return self.core.replace_namespaced_secret(name, namespace, body)

    def patch_secret(self, name: str, namespace: str, patch: Any) -> Any | None:
        """A merge patch (a dict) or a JSON patch (a list); None if there is no such Secret."""
        return find(lambda: self.core.patch_namespaced_secret(name, namespace, patch))

    # -- workloads and how they are reached -----------------------------------------------------
    def find_deployment(self, name: str, namespace: str) -> Any | None:
        return find(lambda: self._client.AppsV1Api(self.api)
                    .read_namespaced_deployment(name, namespace))

    def patch_deployment(self, name: str, namespace: str, patch: dict[str, Any]) -> Any:
        return self._client.AppsV1Api(self.api).patch_namespaced_deployment(name, namespace,
                                                                            patch)

    def endpoint_slices(self, namespace: str, label_selector: str) -> list[Any]:
        return list(self._client.DiscoveryV1Api(self.api).list_namespaced_endpoint_slice(
            namespace, label_selector=label_selector).items)
