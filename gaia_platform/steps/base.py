"""What every resource kind shares: the run context and the kind protocol."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from ..desired import DesiredState
from ..errors import CloudError
from ..plan import Decision
from ..profile import Deployment

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)
Progress = Callable[[str], None]


class Unknown:
    """Observation was impossible (no credentials, or the cluster is not there yet)."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __repr__(self) -> str:
        return f"Unknown({self.why!r})"


@dataclass
class Context:
    deployment: Deployment
    desired: DesiredState
    #: An openstacksdk Connection, or None when planning without credentials.
    cloud: Any
    #: Per-deployment local state (the kubeconfig lives here).
    state_dir: Path
    #: Step id -> what the step produced (ids, paths) for the steps that depend on it.
    results: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _kube: Any = None
    _owners: dict[str, Any] = field(default_factory=dict)

    def result(self, step_id: str) -> Any:
        try:
            return self.results[step_id]
        except KeyError:
            raise CloudError(f"internal: step {step_id} has not produced a result") from None

    def record(self, step_id: str, value: Any) -> None:
        with self._lock:
            self.results[step_id] = value

    @property
    def kubeconfig_path(self) -> Path:
        return self.state_dir / "kubeconfig"

    def owner_cloud(self, access: Any) -> Any:
        """A connection for a project that owns shares this deployment only reads (one per
        clouds.yaml entry). Raises cloud.connection.NoCredentials when it has no entry."""
        from ..cloud.connection import connect

        key = f"{access.clouds_yaml}|{access.cloud}|{access.region}"
        with self._lock:
            if key not in self._owners:
                self._owners[key] = connect(access)
            return self._owners[key]

    def kube(self) -> Any:
        """A kubernetes ApiClient for the deployment's cluster (built on first use)."""
        with self._lock:
            if self._kube is None:
                from ..kube.client import api_client

                self._kube = api_client(self.kubeconfig_path)
            return self._kube


class Kind(Protocol[T_contra]):
    kind: str

    def observe(self, ctx: Context, target: T_contra) -> Any: ...

    def decide(self, target: T_contra, observed: Any) -> Decision: ...

    def apply(self, ctx: Context, target: T_contra, observed: Any, decision: Decision,
              progress: Progress) -> Any: ...


@dataclass(frozen=True)
class Node(Generic[T]):
    """One resource of the deployment: its step id, kind, target and dependencies."""

    id: str
    kind: Kind[T]
    name: str
    target: T
    depends_on: tuple[str, ...] = ()
