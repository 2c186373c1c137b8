"""Nova's state: servers and their state machine, keypairs, quotas.

A server is BUILD (vm_state building) for ``nova.server.build`` seconds, then ACTIVE, or ERROR
with a ``fault`` when an outcome fault for ``nova.server.build`` is set. Deleting keeps it
visible with task_state ``deleting`` for ``nova.server.delete`` seconds. Ports are made (and
released) through the Neutron backend, as nova-compute does through the Neutron API. Status
mapping from nova/api/openstack/common.py (_STATE_MAP).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..http import ApiError
from ..store import Record, iso
from .keypairs import Keypairs

if TYPE_CHECKING:
    from ..neutron.models import NeutronBackend
    from ..state import EmulatorState

# Nova's defaults (nova/conf/quota.py); the emulator config overrides some of them.
DEFAULT_QUOTAS = {
    "instances": 10, "cores": 20, "ram": 51200, "metadata_items": 128, "key_pairs": 100,
    "server_groups": 10, "server_group_members": 10, "injected_files": 5,
    "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
}
STATUS = {"building": "BUILD", "active": "ACTIVE", "stopped": "SHUTOFF", "error": "ERROR"}
POWER = {"building": 0, "active": 1, "stopped": 4, "error": 0}
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


def timestamp(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts if ts is not None else time.time()))


# nova/api/openstack/common.py _STATE_MAP: the task states that change an ACTIVE server's
# status (the others keep their vm_state's default).
ACTIVE_TASK_STATUS = {"rebooting": "REBOOT", "reboot_pending": "REBOOT",
                      "reboot_started": "REBOOT", "rebooting_hard": "HARD_REBOOT",
                      "reboot_pending_hard": "HARD_REBOOT", "reboot_started_hard": "HARD_REBOOT"}
# nova/compute/task_states.py ALLOW_REBOOT: where a HARD reboot may start.
ALLOW_HARD_REBOOT_TASKS = (None, "rebooting", "reboot_pending", "reboot_started",
                           "rebooting_hard")


def status_of(server: Record) -> str:
    if server["vm_state"] == "active" and server["task_state"] in ACTIVE_TASK_STATUS:
        return ACTIVE_TASK_STATUS[server["task_state"]]
    return STATUS[server["vm_state"]]


class NovaBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.keypairs = Keypairs(self)

    @property
    def servers(self) -> dict[str, Record]:
        return self.state.store.table("nova", "servers")

    @property
    def neutron(self) -> NeutronBackend:
        backend: NeutronBackend = self.state.backends["neutron"]
        return backend

    # -- state machine -------------------------------------------------------------------------
    def advance(self, now: float) -> bool:
        # Due times follow the current time scale, so changing it speeds up what is under way.
        changed = False
        for server in list(self.servers.values()):
            operation = server.get("_operation")
            if operation is None:
                continue
            duration = self.state.config.duration(operation)
            if now < server["_since"] + duration:
                if server["task_state"] == "scheduling" and now >= server["_since"] + duration / 2:
                    server["task_state"] = "spawning"
                    changed = True
                continue
            changed = True
            server["_operation"] = None
            if operation == "nova.server.delete":
                self._finish_delete(server)
            elif operation == "nova.server.reboot":
                self._finish_reboot(server)
            else:
                self._finish_build(server)
        return changed

    def _finish_build(self, server: Record) -> None:
        server["task_state"] = None
        server["updated"] = timestamp()
        failure = server.pop("_failure", None)
        if failure is not None:
            server["vm_state"] = "error"
            server["fault"] = {"code": 500, "message": failure, "created": timestamp()}
            self.neutron.release_server_ports(server["id"])
            return
        server["vm_state"] = "active"
        server["OS-SRV-USG:launched_at"] = iso()
        self.neutron.set_server_ports_status(server["id"], "ACTIVE")

    def _finish_reboot(self, server: Record) -> None:
        # nova/compute/manager.py reboot_instance: ends ACTIVE, task_state None.
        server.update(vm_state="active", task_state=None, updated=timestamp())
        self.neutron.set_server_ports_status(server["id"], "ACTIVE")

    def _finish_delete(self, server: Record) -> None:
        failure = server.pop("_failure", None)
        if failure is not None:
            server.update(vm_state="error", task_state=None, updated=timestamp(),
                          fault={"code": 500, "message": failure, "created": timestamp()})
            return
        self.neutron.release_server_ports(server["id"])
        del self.servers[server["id"]]

    # -- lookups -------------------------------------------------------------------------------
    def get(self, project_id: str, server_id: str) -> Record:
        server = self.servers.get(server_id)
        if server is None or server["tenant_id"] != project_id:
            raise ApiError(404, f"Instance {server_id} could not be found.")
        return server

    def quota_limits(self) -> dict[str, int]:
        return {**DEFAULT_QUOTAS, **self.state.config.quotas.get("compute", {})}

    def usage(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        mine = [s for s in self.servers.values() if s["tenant_id"] == project_id]
        pairs = self.keypairs.mine(user_id) if user_id else []
        return {"instances": len(mine), "cores": sum(s["_flavor"]["vcpus"] for s in mine),
                "ram": sum(s["_flavor"]["ram"] for s in mine), "key_pairs": len(pairs),
                "metadata_items": 0, "server_groups": 0, "server_group_members": 0,
                "injected_files": 0, "injected_file_content_bytes": 0,
                "injected_file_path_bytes": 0}

    def check_instance_quota(self, project_id: str, flavor: dict[str, Any], count: int) -> None:
        """As nova.compute.utils.check_num_instances_quota; 403 from the API."""
        limits, used = self.quota_limits(), self.usage(project_id)
        wanted = {"instances": count, "cores": count * flavor["vcpus"],
                  "ram": count * flavor["ram"]}
        overs = sorted(k for k, v in wanted.items()
                       if limits[k] >= 0 and used[k] + v > limits[k])
        if overs:
            raise ApiError(403, f"Quota exceeded for {', '.join(overs)}: Requested "
                                f"{', '.join(str(wanted[k]) for k in overs)}, but already used "
                                f"{', '.join(str(used[k]) for k in overs)} of "
                                f"{', '.join(str(limits[k]) for k in overs)} "
                                f"{', '.join(overs)}")

    # -- operations ----------------------------------------------------------------------------
    def start_build(self, server: Record) -> None:
        server["_since"] = self.state.now()
        server["_operation"] = "nova.server.build"
        outcome = self.state.faults.take_outcome("nova.server.build")
        if outcome is not None:
            server["_failure"] = outcome.get("reason") or NO_VALID_HOST

    def delete(self, project_id: str, server_id: str) -> None:
        server = self.get(project_id, server_id)
        if server["task_state"] == "deleting":
            return
        server.update(task_state="deleting", updated=timestamp(), _since=self.state.now(),
                      _operation="nova.server.delete")
        server.pop("_failure", None)
        outcome = self.state.faults.take_outcome("nova.server.delete")
        if outcome is not None:
            server["_failure"] = outcome.get("reason") or "Failed to delete the instance."

    def check_state(self, server: Record, action: str, vm_states: tuple[str, ...],
                    task_states: tuple[str | None, ...] = (None,)) -> None:
        """nova.compute.api.check_instance_state, answered with the API's 409."""
        if server["vm_state"] not in vm_states:
            raise ApiError(409, f"Cannot '{action}' instance {server['id']} while it is in "
                                f"vm_state {server['vm_state']}")
        if server["task_state"] not in task_states:
            raise ApiError(409, f"Cannot '{action}' instance {server['id']} while it is in "
                                f"task_state {server['task_state']}")

    def action(self, project_id: str, server_id: str, name: str, args: Any) -> None:
        server = self.get(project_id, server_id)
        if name == "reboot":
            kind = (args or {}).get("type") if isinstance(args, dict) else None
            if kind not in ("SOFT", "HARD", "soft", "hard"):
                raise ApiError(400, f"Invalid input for field/attribute type. Value: {kind}. "
                                    f"'{kind}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', "
                                    "'Soft', 'soft']")
            # nova/compute/api.py _soft_reboot/_hard_reboot: the API sets task_state
            # rebooting(_hard) before answering 202; nova-compute finishes later.
            hard = kind.upper() == "HARD"
            if hard:
                self.check_state(server, "reboot", ("active", "stopped", "error"),
                                 ALLOW_HARD_REBOOT_TASKS)
            else:
                self.check_state(server, "reboot", ("active",))
            server.update(task_state="rebooting_hard" if hard else "rebooting",
                          updated=timestamp(), _since=self.state.now(),
                          _operation="nova.server.reboot")
            return
        elif name == "os-stop":
            self.check_state(server, "stop", ("active", "error"))
            server["vm_state"] = "stopped"
        elif name == "os-start":
            self.check_state(server, "start", ("stopped",))
            server["vm_state"] = "active"
        else:
            raise ApiError(400, f"There is no such action: {name}")
        server["updated"] = timestamp()
        self.neutron.set_server_ports_status(
            server_id, "ACTIVE" if server["vm_state"] == "active" else "DOWN")
