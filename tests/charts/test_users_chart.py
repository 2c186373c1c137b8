"""Each person's storage reaches only their own Spark driver and executors, in every supported
Zeppelin version: the charts rendered with the deploy step's values for a catalogue of three
people, then each person's interpreter launched by Zeppelin's launcher of that version
(tests/zeppelin/launcher.py: the harness with each release's Jinjava and fabric8, zengine 0.9.0).

What the launcher tells the template about the user (apache/zeppelin,
K8sRemoteInterpreterProcess.getTemplateBindings): 0.9.0 only the group id (which names the user
when the setting is isolated per user, InterpreterSetting.getInterpreterGroupId); 0.10.1,
0.11.2 and 0.12.0 also zeppelin.k8s.interpreter.user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gaia_platform import profile
from gaia_platform.desired import DesiredState, desired_state
from gaia_platform.helm import values as chart_values
from tests.charts.conftest import (
    EXECUTOR,
    REPO,
    VERSIONS,
    ZEPPELIN,
    Docs,
    Launchers,
    Render,
    find,
    launch_from,
    server_env,
)
from tests.zeppelin.launcher import Launched

PEOPLE = ("alice", "bob")


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> tuple[profile.Deployment, DesiredState]:
    folder = tmp_path_factory.mktemp("people")
    (folder / "users.yaml").write_text(yaml.safe_dump({"users": [
        {"name": "admin", "role": "admin"},
        {"name": "alice"},
        {"name": "bob", "home_gb": 5,
         "data_shares": [{"name": "bob-survey", "size_gb": 5, "mount_path": "/data/survey"}]},
    ]}))
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data["shares"] = str(REPO / "manila/shares.yaml")
    data["users"] = str(folder / "users.yaml")
    (folder / "sandbox.yaml").write_text(yaml.safe_dump(data))
    deployment = profile.load(str(folder / "sandbox.yaml"))
    return deployment, desired_state(deployment)


def _docs(render: Render, people: tuple[profile.Deployment, DesiredState], version: str,
          **zeppelin_overrides: Any) -> Docs:
    deployment, desired = people
    # The profile's Spark image, as deploy passes it (Zeppelin 0.9.0 has no upstream one).
    executor, zeppelin = chart_values.releases(
        deployment, desired, zeppelin_version=version,
        spark_image=deployment.profile.kubernetes.spark_image)
    values = {**zeppelin.values, **zeppelin_overrides}
    return (render(EXECUTOR, release=executor.name, namespace=desired.namespace,
                   values=executor.values)
            + render(ZEPPELIN, release=zeppelin.name, namespace=desired.namespace,
                     values=values))


def _launch(launchers: Launchers, docs: Docs, version: str, user: str, group: str = "spark",
            **extra: Any) -> Launched:
    """What ``user``'s first paragraph of ``group`` makes Zeppelin's launcher of ``version``
    render: only the Spark setting is the chart's; other interpreters keep the image's
    default binding (shared by everyone)."""
    launched = launch_from(docs, launchers(version), group, user=user, **extra)
    assert launched.ok, launched.answer.get("trace")
    return launched


def _pod(launchers: Launchers, docs: Docs, version: str, user: str, group: str = "spark",
         **extra: Any) -> dict[str, Any]:
    """The interpreter Pod that launch creates."""
    return _launch(launchers, docs, version, user, group, **extra).object("Pod")


def _claims(pod: dict[str, Any]) -> set[str]:
    return {v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
            if "persistentVolumeClaim" in v}


def _owned(desired: DesiredState, user: str) -> set[str]:
    return {plan.pvc_name for plan in desired.shares if plan.owner == user}


def _common(desired: DesiredState) -> set[str]:
    return {plan.pvc_name for plan in desired.shares if plan.owner is None}


def _pod_template(docs: Docs, pod: dict[str, Any]) -> dict[str, Any]:
    """The executor pod template this driver hands to Spark (the ConfigMap item it mounts)."""
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "spark-executor-pod-template")
    key = next(item["key"] for item in volume["configMap"]["items"]
               if item["path"] == "executor-pod-template.yaml")
    configmap = find(docs, "ConfigMap", name=volume["configMap"]["name"])
    template: dict[str, Any] = yaml.safe_load(configmap["data"][key])
    return template


@pytest.mark.parametrize("version", VERSIONS)
def test_each_persons_driver_and_executors_mount_only_their_own_storage(
    render: Render, zeppelin_launcher: Launchers,
    people: tuple[profile.Deployment, DesiredState], version: str
) -> None:
    _, desired = people
    docs = _docs(render, people, version)
    for user in PEOPLE:
        launched = _launch(zeppelin_launcher, docs, version, user)
        # Their own process: the group id names them (the setting is isolated per user).
        assert launched.group_id == f"spark-{user}"
        pod = launched.object("Pod")
        others = set().union(*(_owned(desired, u) for u in ("admin", *PEOPLE) if u != user))
        assert _claims(pod) == _common(desired) | _owned(desired, user)
        assert not _claims(pod) & others
        mounts = {m["mountPath"]: m for m in pod["spec"]["containers"][0]["volumeMounts"]}
        assert mounts[f"/home/{user}"]["readOnly"] is False
        assert mounts[f"/user/{user}"]["readOnly"] is False
        for plan in desired.shares:  # data is read-only for everyone
            if plan.share.purpose == "data" and plan.share.mount_path in mounts:
                assert mounts[plan.share.mount_path]["readOnly"] is True, plan.name
        # Their executors: their own pod template, with their shares and nobody else's.
        executor = _pod_template(docs, pod)
        claims = {v["persistentVolumeClaim"]["claimName"] for v in executor["spec"]["volumes"]}
        assert claims == _owned(desired, user)
        executor_mounts = {m["mountPath"]: m["readOnly"]
                           for m in executor["spec"]["containers"][0]["volumeMounts"]}
        driver_mounts = {path: m.get("readOnly", False) for path, m in mounts.items()}
        assert executor_mounts.items() <= driver_mounts.items()
    assert "/data/survey" in {m["mountPath"] for m in _pod(
        zeppelin_launcher, docs, version, "bob")["spec"]["containers"][0]["volumeMounts"]}


@pytest.mark.parametrize("version", VERSIONS)
def test_shared_and_unknown_processes_get_nobodys_storage(
    render: Render, zeppelin_launcher: Launchers,
    people: tuple[profile.Deployment, DesiredState], version: str
) -> None:
    _, desired = people
    docs = _docs(render, people, version)
    # A shared interpreter (python: the image's default binding) serves everyone.
    python = _launch(zeppelin_launcher, docs, version, "alice", group="python")
    assert python.group_id == "python-shared_process"
    assert _claims(python.object("Pod")) == _common(desired)
    # A note run in isolated mode gets a group id naming no user; a stranger has no storage.
    isolated = _launch(zeppelin_launcher, docs, version, "alice", isolated_start="1700000000000")
    assert isolated.group_id == "spark-isolated-2JQ6QXVW2-1700000000000"
    assert _claims(isolated.object("Pod")) == _common(desired)
    assert _claims(_pod(zeppelin_launcher, docs, version, "mallory")) == _common(desired)
    # Stopping alice's process renders the spec with no user (getTemplateBindings(null)): the
    # objects it deletes must be the ones her start created.
    started = _launch(zeppelin_launcher, docs, version, "alice")
    stopped = _launch(zeppelin_launcher, docs, version, "alice", pod_name=started.pod_name,
                      stop=True)
    assert stopped.group_id == started.group_id
    assert ({(o["kind"], o["metadata"]["name"]) for o in stopped.objects}
            == {(o["kind"], o["metadata"]["name"]) for o in started.objects})


@pytest.mark.parametrize("version", VERSIONS)
def test_per_note_drivers_cannot_carry_per_user_storage(
    render_error: Any, people: tuple[profile.Deployment, DesiredState], version: str
) -> None:
    deployment, desired = people
    _, zeppelin = chart_values.releases(deployment, desired, zeppelin_version=version,
                                        spark_image=deployment.profile.kubernetes.spark_image)
    values = json.loads(json.dumps(zeppelin.values))
    values["interpreter"]["binding"] = {"perNote": "isolated", "perUser": "isolated"}
    message = render_error(ZEPPELIN, values=values)
    assert "interpreter.binding.perUser=isolated and perNote=shared or scoped" in message


def test_accounts_roles_private_notes_and_idle_interpreters(
    render: Render, people: tuple[profile.Deployment, DesiredState]
) -> None:
    docs = _docs(render, people, "0.9.0")
    config = find(docs, "ConfigMap", suffix="-server-config")["data"]
    assert config["users"].split() == ["admin", "admin", "alice", "user", "bob", "user"]
    env = server_env(docs)
    # Notes private to their owner; the admin role sees them all (ZeppelinConfiguration).
    assert env["ZEPPELIN_NOTEBOOK_PUBLIC"] == "false"
    assert env["ZEPPELIN_OWNER_ROLE"] == "admin"
    # Idle drivers (and so their executors) stop (TimeoutLifecycleManager).
    assert env["ZEPPELIN_INTERPRETER_LIFECYCLE_MANAGER_CLASS"] == (
        "org.apache.zeppelin.interpreter.lifecycle.TimeoutLifecycleManager")
    assert int(env["ZEPPELIN_INTERPRETER_LIFECYCLE_MANAGER_TIMEOUT_THRESHOLD"]) > 0
    # Everything but the version needs a login (no anonymous access).
    assert "/** = authc" in config["shiro-base.ini"]
    # The password Secret is the only place passwords are; no value holds one.
    assert "password" not in json.dumps(config["users"])


def test_the_catalogue_is_validated_with_file_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data["shares"] = str(REPO / "manila/shares.yaml")
    data["users"] = str(tmp_path / "users.yaml")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    cases = [
        ({"users": [{"name": "Alice", "role": "admin"}]}, "users.0.name"),
        ({"users": [{"name": "alice", "role": "boss"}]}, "users.0.role"),
        ({"users": [{"name": "alice"}]}, "no user has role: admin"),
        ({"users": [{"name": "alice", "role": "admin", "home_gb": 0}]}, "users.0.home_gb"),
        ({"users": [{"name": "a", "role": "admin"}, {"name": "a"}]}, "two users are named"),
        ({"users": [{"name": "a", "role": "admin", "data_shares": [
            {"name": "x", "size_gb": 1, "mount_path": "/notebooks/x"}]}]},
         "users.0.data_shares.0.mount_path"),
        ({"users": [{"name": "a", "role": "admin", "data_shares": [
            {"name": "gaia-dr2", "size_gb": 1, "mount_path": "/x"}]}]},
         "users.0.data_shares.0.name"),
        ({"people": []}, "people: unknown field"),
    ]
    for content, field in cases:
        (tmp_path / "users.yaml").write_text(yaml.safe_dump(content))
        with pytest.raises(profile.ConfigError) as error:
            profile.load(str(tmp_path / "p.yaml"))
        assert str(tmp_path / "users.yaml") in str(error.value)
        assert field in str(error.value), (field, str(error.value))
