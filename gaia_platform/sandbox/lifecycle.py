"""``platform sandbox up|down|status``: both halves of the sandbox as one thing."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import requests

from ..errors import SandboxError
from .cloudsfile import CLOUD_NAME, new_credentials, new_data_credentials, write_clouds_yaml
from .controlplane import build, versions
from .controlplane.runtime import ControlPlane, Ports
from .emulator.config import EmulatorConfig, KubeTarget
from .processes import ProcessSpec, ProcessTable

Progress = Callable[[str], None]
DEFAULT_TIME_SCALE = 0.01  # a 10-minute Magnum build takes 6 s
SANDBOX_KEYPAIR = "gaia-sandbox"


class Sandbox:
    def __init__(self, directory: Path, cache: Path) -> None:
        self.directory = directory
        self.cache = cache
        self.processes = ProcessTable(directory)

    # -- files -----------------------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.directory / "sandbox.json"

    @property
    def emulator_dir(self) -> Path:
        return self.directory / "emulator"

    @property
    def clouds_yaml(self) -> Path:
        return self.directory / "clouds.yaml"

    def _ports(self) -> tuple[int, Ports]:
        """Ports recorded at the first ``up``; a busy one is replaced when nothing of ours
        holds it (e.g. another program took it while the sandbox was down)."""
        recorded: dict[str, int] = {}
        if self.state_file.exists():
            recorded = json.loads(self.state_file.read_text()).get("ports", {})
        names = ["emulator", *Ports.__dataclass_fields__]
        owners = {"emulator": "emulator", "etcd": "etcd", "etcd_peer": "etcd",
                  "apiserver": "kube-apiserver", "controller_manager": "kube-controller-manager",
                  "scheduler": "kube-scheduler", "kwok": "kwok"}
        chosen: dict[str, int] = {}
        for name in names:
            port = recorded.get(name)
            ours = self.processes.pid(owners[name]) is not None
            if port is None or (not ours and not _port_free(port)):
                port = _free_port(exclude=set(chosen.values()))
            chosen[name] = port
        emulator_port = chosen.pop("emulator")
        return emulator_port, Ports(**chosen)

    def _control_plane(self, ports: Ports | None = None) -> ControlPlane:
        if ports is None:
            _, ports = self._ports()
        return ControlPlane(self.directory, build.bin_dir(self.cache), ports)

    # -- up / down ---------------------------------------------------------------------------
    def up(self, progress: Progress, time_scale: float | None = None) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        emulator_port, ports = self._ports()
        self.state_file.write_text(json.dumps(
            {"ports": {"emulator": emulator_port, **asdict(ports)},
             "versions": {"kubernetes": versions.KUBERNETES, "etcd": versions.ETCD,
                          "kwok": versions.KWOK}}, indent=2))
        if not build.is_built(self.cache):
            progress("building the Kubernetes control plane (first run only; cached in "
                     f"{build.bin_dir(self.cache)})")
        build.build(self.cache, progress)
        control_plane = self._control_plane(ports)
        control_plane.start(progress)
        self._start_emulator(emulator_port, control_plane, time_scale, progress)
        return self.status()

    def _start_emulator(self, port: int, control_plane: ControlPlane,
                        time_scale: float | None, progress: Progress) -> None:
        self.emulator_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.emulator_dir / "emulator.json"
        running = self.processes.pid("emulator") is not None
        if config_path.exists():
            config = EmulatorConfig.read(config_path)  # keeps the credentials it handed out
        else:
            config = EmulatorConfig(port=port, credentials=new_credentials(),
                                    time_scale=DEFAULT_TIME_SCALE)
        if not running:
            config.port = port
            if not config.other_projects:  # a sandbox made before the data project existed
                config.other_projects = [new_data_credentials()]
            if time_scale is not None:
                config.time_scale = time_scale
            admin_cert, admin_key = control_plane.pki.client("admin")
            config.kube = KubeTarget(
                api_address=control_plane.api_address,
                ca_cert=str(control_plane.pki.ca_cert), ca_key=str(control_plane.pki.ca_key),
                admin_cert=str(admin_cert), admin_key=str(admin_key),
            )
            config.write(config_path)
            self.processes.start(ProcessSpec("emulator", [
                sys.executable, "-m", "gaia_platform.sandbox.emulator", str(self.emulator_dir),
            ]))
            progress(f"OpenStack emulator started on {config.base_url}")
        elif time_scale is not None:
            requests.post(f"{config.base_url}/_sandbox/config",
                          json={"time_scale": time_scale}, timeout=5).raise_for_status()
        self._wait_emulator(config)
        write_clouds_yaml(config, self.clouds_yaml)
        self._seed_keypair()

    def _seed_keypair(self) -> None:
        """The keypair the sandbox profile names, as a user would have uploaded it once."""
        import openstack
        from openstack.config import OpenStackConfig

        from .pki import new_ssh_public_key

        loader = OpenStackConfig(config_files=[str(self.clouds_yaml)])
        conn = openstack.connection.Connection(config=loader.get_one(cloud=CLOUD_NAME))
        if conn.compute.find_keypair(SANDBOX_KEYPAIR, ignore_missing=True) is None:
            conn.compute.create_keypair(name=SANDBOX_KEYPAIR, public_key=new_ssh_public_key())

    def _wait_emulator(self, config: EmulatorConfig, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._emulator_healthy(config):
                return
            if self.processes.pid("emulator") is None:
                break
            time.sleep(0.1)
        raise SandboxError(
            f"The OpenStack emulator did not answer on {config.base_url}; its log is "
            f"{self.processes.log('emulator')}."
        )

    @staticmethod
    def _emulator_healthy(config: EmulatorConfig) -> bool:
        try:
            return requests.get(f"{config.base_url}/_sandbox/health", timeout=2).ok
        except requests.RequestException:
            return False

    def down(self) -> list[str]:
        """Stop every process. State (clouds, shares, etcd data) stays for the next ``up``."""
        stopped = ["emulator"] if self.processes.stop("emulator") else []
        if self.state_file.exists():
            stopped += self._control_plane().stop()
        return stopped

    # -- status ------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        if not self.state_file.exists():
            return {"directory": str(self.directory), "exists": False, "healthy": False}
        config_path = self.emulator_dir / "emulator.json"
        control_plane = self._control_plane()
        components = control_plane.health()
        openstack: dict[str, Any] = {"healthy": False}
        if config_path.exists():
            config = EmulatorConfig.read(config_path)
            openstack = {
                "url": config.base_url,
                "auth_url": f"{config.base_url}/identity/v3",
                "pid": self.processes.pid("emulator"),
                "healthy": self.processes.pid("emulator") is not None
                and self._emulator_healthy(config),
                "clouds_yaml": str(self.clouds_yaml),
                "cloud": CLOUD_NAME,
                "time_scale": config.time_scale,
                "request_log": f"{config.base_url}/_sandbox/requests",
                "rss_bytes": self.processes.rss_bytes("emulator"),
                "log": str(self.processes.log("emulator")),
            }
        kube_healthy = all(c["healthy"] for c in components.values())
        memory = openstack.get("rss_bytes", 0) + sum(
            int(str(c["rss_bytes"])) for c in components.values()
        )
        return {
            "directory": str(self.directory),
            "exists": True,
            "healthy": bool(openstack["healthy"]) and kube_healthy,
            "openstack": openstack,
            "kubernetes": {
                "healthy": kube_healthy,
                "version": f"v{versions.KUBERNETES}",
                "api_address": control_plane.api_address,
                "admin_kubeconfig": str(control_plane.admin_kubeconfig),
                "audit_log": str(control_plane.audit_log),
                "components": components,
            },
            "memory_bytes": memory,
        }


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port(exclude: set[int]) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in exclude:
            return port
