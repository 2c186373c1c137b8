"""`platform users` on the sandbox: two people added, one removed, through the CLI as a user
would; each person's interpreter pod (made by Zeppelin's launcher, tests/zeppelin/launcher.py,
with the server's own token) mounts only their storage; removal keeps the data; no password
is ever printed except once on stdout to the person who asked, nor written to any log."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s

from tests.charts.conftest import Launchers
from tests.charts.test_install import eventually
from tests.conftest import RunningSandbox
from tests.deploy.conftest import REPO, Logs, Platform, as_json

NAMESPACE = "people"
SMALL = ("--home-gb", "1", "--user-gb", "2")
SHARES: list[dict[str, object]] = [
    {"name": "people-notebooks", "size_gb": 5, "access": "rw", "mount_path": "/notebooks",
     "purpose": "notebooks"},
    {"name": "people-dr2", "size_gb": 10, "access": "ro", "mount_path": "/data/gaia/GDR2",
     "purpose": "data"},
]


class People:
    """The deployment under test and everything its commands printed."""

    def __init__(self, platform: Platform, folder: Path) -> None:
        self.platform, self.folder = platform, folder
        self.profile = str(folder / "people.yaml")
        self.printed: list[str] = []

    def run(self, *args: str, check: bool = True, stdin: str | None = None) -> Any:
        result = self.platform(*args, "--cloud", self.profile, check=check, stdin=stdin)
        self.printed += [result.stdout, result.stderr]
        return result

    def json(self, *args: str) -> Any:
        return as_json(self.run(*args, "--output", "json"))

    def core(self) -> k8s.CoreV1Api:
        from kubernetes import config

        path = self.run("kubeconfig").stdout.strip()
        return k8s.CoreV1Api(config.new_client_from_config(config_file=path))

    def catalogue(self) -> list[str]:
        data = yaml.safe_load((self.folder / "users.yaml").read_text())
        return [user["name"] for user in data["users"]]


@pytest.fixture(scope="module")
def people(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    folder = tmp_path_factory.mktemp("people")
    (folder / "shares.yaml").write_text(yaml.safe_dump({"shares": SHARES}))
    # Small shares: the sandbox's Manila quota (20 TB) is shared by every test's deployment.
    (folder / "users.yaml").write_text("# the people of the test\nusers:\n- name: admin\n"
                                       "  role: admin\n  home_gb: 1\n  user_gb: 2\n")
    profile = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    profile.update(name="people", shares=str(folder / "shares.yaml"), users="users.yaml")
    profile["kubernetes"] = {**profile["kubernetes"], "namespace": NAMESPACE}
    (folder / "people.yaml").write_text(yaml.safe_dump(profile))
    state = People(platform, folder)
    state.run("deploy")
    try:
        yield state
    finally:
        state.run("delete", "--delete-data", "--yes", check=False)


@pytest.fixture(scope="module")
def added(people: People) -> dict[str, dict[str, Any]]:
    return {name: people.json("users", "add", name, *SMALL) for name in ("alice", "bob")}


def test_two_people_are_added_with_their_own_shares_and_a_password(
    people: People, added: dict[str, dict[str, Any]]
) -> None:
    assert people.catalogue() == ["admin", "alice", "bob"]
    secret = people.core().read_namespaced_secret("zeppelin-auth", NAMESPACE)
    for name, result in added.items():
        assert result["added"] is True and result["failed"] == []
        assert {s["mount_path"]: s["access"] for s in result["user"]["shares"]} == {
            f"/home/{name}": "rw", f"/user/{name}": "rw"}
        # The password printed once is the one the server reads.
        assert base64.b64decode(secret.data[name]).decode() == result["password"]
        assert len(result["password"]) >= 20
    status = people.json("status")
    shares = {s["name"]: s for s in status["shares"]}
    for name in ("alice", "bob"):
        for kind in ("home", "user"):
            share = shares[f"people-{kind}-{name}"]
            assert (share["status"], share["pvc_phase"]) == ("available", "Bound")
            assert share["access_rule"]["access_level"] == "rw"
    listed = people.json("users", "list")["users"]
    assert [(u["name"], u["role"], u["password_set"]) for u in listed] == [
        ("admin", "admin", True), ("alice", "user", True), ("bob", "user", True)]


def test_adding_again_and_redeploying_change_nothing(
    people: People, added: dict[str, dict[str, Any]], logs: Logs
) -> None:
    again = people.json("users", "add", "alice", *SMALL)
    assert (again["added"], again["password"], again["changed"]) == (False, None, [])
    mark = logs.mark()
    result = people.run("deploy")
    assert "nothing changed" in result.stdout
    assert [c for c in logs.openstack_since(mark) if c["mutating"]
            and c["path"] != "/identity/v3/auth/tokens"] == []
    assert [e["verb"] for e in logs.kube_since(mark)
            if e["verb"] not in ("get", "list", "watch")] == []


def _as_account(sandbox: RunningSandbox, account: str) -> dict[str, str]:
    """Where and as whom the launcher harness's fabric8 client talks to the API server: a
    token of ``account`` (what the server pod holds)."""
    admin = sandbox.admin_api()
    token = k8s.CoreV1Api(admin).create_namespaced_service_account_token(
        account, NAMESPACE, k8s.AuthenticationV1TokenRequest(
            spec=k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=600))).status.token
    return {"url": sandbox.status["kubernetes"]["api_address"], "token": token,
            "caFile": str(sandbox.directory / "pki" / "ca.crt")}


def _launch_spark(people: People, sandbox: RunningSandbox, launchers: Launchers,
                  user: str) -> Any:
    """What the Zeppelin server does when ``user`` runs their first Spark paragraph: Zeppelin
    0.9.0's launcher (the deployment's default version; tests/zeppelin/launcher.py) with the
    spec, settings and environment read back from the cluster, creating the pod with the
    server's own token."""
    core = people.core()
    spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", NAMESPACE).data[
        "100-interpreter-spec.yaml"]
    settings = core.read_namespaced_config_map("zeppelin-server-config", NAMESPACE).data[
        "interpreter.json"]
    server = eventually(lambda: next(iter(core.list_namespaced_pod(
        NAMESPACE, label_selector="app.kubernetes.io/component=server").items), None),
        what="the server pod")
    env = {e.name: e.value for e in server.spec.containers[0].env if e.value is not None}
    # The downward API's values, as the kubelet fills them in.
    env.update(POD_UID=server.metadata.uid, POD_NAME=server.metadata.name)
    launched = launchers("0.9.0").launch(
        group="spark", namespace=NAMESPACE, spec=spec, server_env=env, interpreter_json=settings,
        user=user, pod_name=f"spark-{uuid.uuid4().hex[:6]}",
        apiserver=_as_account(sandbox, "zeppelin-server"))
    assert launched.ok, launched.answer.get("trace")
    assert launched.group_id == f"spark-{user}"
    return eventually(lambda: (p := core.read_namespaced_pod(launched.pod_name, NAMESPACE))
                      .status.phase == "Running" and p, what=f"{user}'s Spark driver Running")


def test_each_persons_driver_runs_with_only_their_storage(
    people: People, added: dict[str, dict[str, Any]], sandbox: RunningSandbox,
    zeppelin_launcher: Launchers
) -> None:
    own = {name: {s["claim"] for s in result["user"]["shares"]}
           for name, result in added.items()}
    core = people.core()
    template = core.read_namespaced_config_map("spark-executor-pod-template", NAMESPACE)
    for user, other in (("alice", "bob"), ("bob", "alice")):
        pod = _launch_spark(people, sandbox, zeppelin_launcher, user)
        claims = {v.persistent_volume_claim.claim_name for v in pod.spec.volumes
                  if v.persistent_volume_claim}
        assert claims == {"people-notebooks", "people-dr2"} | own[user]
        mounts = {m.mount_path: bool(m.read_only) for m in pod.spec.containers[0].volume_mounts}
        assert (mounts[f"/home/{user}"], mounts[f"/user/{user}"]) == (False, False)
        assert mounts["/data/gaia/GDR2"] is True
        assert f"/home/{other}" not in mounts
        # Their executors' template (the one their driver mounts) has their shares only.
        item = next(v.config_map for v in pod.spec.volumes if v.config_map
                    and v.config_map.name == "spark-executor-pod-template").items[0]
        executor = yaml.safe_load(template.data[item.key])
        assert {v["persistentVolumeClaim"]["claimName"]
                for v in executor["spec"]["volumes"]} == own[user]


def test_removing_a_person_keeps_their_data(
    people: People, added: dict[str, dict[str, Any]], sandbox: RunningSandbox
) -> None:
    refused = people.run("users", "remove", "bob", "--delete-data", check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert "bob" in people.catalogue()
    result = people.json("users", "remove", "bob")
    assert result["failed"] == [] and result["shares_deleted"] == []
    assert {s["name"] for s in result["shares_kept"]} == {"people-home-bob", "people-user-bob"}
    assert people.catalogue() == ["admin", "alice"]
    shares = {s.name for s in sandbox.connect().shared_file_system.shares()}
    assert {"people-home-bob", "people-user-bob"} <= shares
    core = people.core()
    assert "bob" not in (core.read_namespaced_secret("zeppelin-auth", NAMESPACE).data or {})
    claims = {c.metadata.name for c in core.list_namespaced_persistent_volume_claim(
        NAMESPACE).items}
    assert "people-home-bob" not in claims and "people-home-alice" in claims
    spec = core.read_namespaced_config_map("zeppelin-interpreter-spec", NAMESPACE).data
    assert "/home/bob" not in str(spec) and "/home/alice" in str(spec)
    # Adding bob again finds his shares (and data): nothing is created anew.
    back = people.json("users", "add", "bob", *SMALL)
    assert not [s for s in back["changed"] if s.startswith("manila.share/")]


def test_passwords_appear_in_no_output_and_no_log(
    people: People, added: dict[str, dict[str, Any]], sandbox: RunningSandbox
) -> None:
    reset = people.json("users", "reset-password", "alice")
    passwords = [result["password"] for result in added.values()] + [reset["password"]]
    secret = people.core().read_namespaced_secret("zeppelin-auth", NAMESPACE)
    passwords.append(base64.b64decode(secret.data["admin"]).decode())
    assert base64.b64decode(secret.data["alice"]).decode() == reset["password"]
    # Every output but the one JSON answer that hands a password over.
    outputs = [text for text in people.printed if '"password": "' not in text]
    # Every file of the sandbox (logs, audit log, request log, state) but etcd's data: that is
    # where Kubernetes keeps the Secret, the one place a password is meant to be.
    logs = [path for path in sandbox.directory.rglob("*")
            if path.is_file() and "etcd-data" not in path.parts]
    assert any(path.name == "audit.log" for path in logs)
    for password in passwords:
        for text in outputs:
            assert password not in text
        for path in logs:
            assert password.encode() not in path.read_bytes(), path
    text_add = people.run("users", "reset-password", "bob")
    new = base64.b64decode(people.core().read_namespaced_secret(
        "zeppelin-auth", NAMESPACE).data["bob"]).decode()
    assert text_add.stdout.splitlines()[-1] == new and new not in text_add.stderr


def test_delete_data_when_confirmed_deletes_only_that_persons_shares(
    people: People, added: dict[str, dict[str, Any]], sandbox: RunningSandbox
) -> None:
    people.json("users", "add", "carol", *SMALL)
    result = people.json("users", "remove", "carol", "--delete-data", "--yes")
    assert sorted(result["shares_deleted"]) == ["people-home-carol", "people-user-carol"]
    conn = sandbox.connect().shared_file_system
    remaining = {s.name: s.status for s in conn.shares()}
    assert all(remaining.get(name) in (None, "deleting")
               for name in ("people-home-carol", "people-user-carol"))
    assert {"people-home-alice", "people-user-alice", "people-dr2"} <= set(remaining)
