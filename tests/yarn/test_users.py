"""The Yarn fallback follows the users catalogue: for two people, each gets a Linux account
(the same uid on every node), a Zeppelin account, their shares mounted with ceph-fuse on the
gateway (their driver) and the workers (their executors), and a Yarn limit of their own."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from gaia_platform import profile
from gaia_platform.yarn import cloudinit
from gaia_platform.yarn.layout import YarnPlan, yarn_plan
from tests.yarn.helpers import (
    files,
    hadoop_properties,
    user_data,
    validate_cloud_config,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> YarnPlan:
    folder = tmp_path_factory.mktemp("yarn-people")
    (folder / "users.yaml").write_text(yaml.safe_dump({"users": [
        {"name": "admin", "role": "admin"}, {"name": "alice"},
        {"name": "bob", "yarn_max_apps": 1}]}))
    data = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
    data.update(shares=str(REPO / "manila/shares.yaml"), users=str(folder / "users.yaml"))
    (folder / "sandbox.yaml").write_text(yaml.safe_dump(data))
    return yarn_plan(profile.load(str(folder / "sandbox.yaml")))


def _fstab(text: str) -> dict[str, str]:
    lines = files(text)["/etc/fstab"]["content"].splitlines()
    return {line.split()[1]: line.split()[3].split(",")[-1] for line in lines}


def test_each_persons_shares_are_mounted_read_write_where_their_spark_runs(
    plan: YarnPlan
) -> None:
    for vm in (plan.gateway, plan.workers[0]):
        mounts = _fstab(user_data(plan, vm))
        for name in ("alice", "bob"):
            assert mounts[f"/home/{name}"] == "rw" and mounts[f"/user/{name}"] == "rw", vm.name
        assert mounts["/data/gaia/GDR3"] == "ro"
        env = files(user_data(plan, vm))["/etc/gaia/yarn.env"]["content"]
        owned = next(line for line in env.splitlines() if line.startswith("OWNED="))
        alice = next(u for u in plan.users if u.name == "alice")
        assert f"{alice.uid}:/home/alice" in owned and f"{alice.uid}:/user/alice" in owned
    assert plan.master.mounts == ()
    # Each share with this fallback's own cephx rule, once.
    names = [share.name for share in plan.shares]
    assert len(names) == len(set(names))
    assert plan.share("sandbox-home-alice").cephx_id == "gaia-sandbox-yarn-sandbox-home-alice"


def test_each_person_has_the_same_linux_account_on_every_node_that_mounts_their_shares(
    plan: YarnPlan
) -> None:
    accounts = {}
    for vm in (plan.gateway, *plan.workers):
        people = {u["name"]: u for u in yaml.safe_load(user_data(plan, vm))["users"]
                  if isinstance(u, dict) and u["name"] != cloudinit.SERVICE_USER}
        assert set(people) == {"admin", "alice", "bob"}
        assert all(u["lock_passwd"] and u["no_create_home"] for u in people.values())
        accounts[vm.name] = {name: u["uid"] for name, u in people.items()}
    assert len(set(map(json.dumps, accounts.values()))) == 1
    assert len(set(accounts[plan.gateway.name].values())) == 3
    master = yaml.safe_load(user_data(plan, plan.master))["users"]
    assert [u for u in master if isinstance(u, dict) and u["name"] == "alice"] == []


def test_zeppelin_accounts_roles_private_notes_and_impersonation(plan: YarnPlan) -> None:
    written = files(user_data(plan, plan.gateway))
    env = written["/etc/gaia/yarn.env"]["content"]
    assert "ZEPPELIN_USERS=(admin:admin alice:user bob:user)" in env.splitlines()
    site = hadoop_properties(written["/etc/zeppelin/conf/zeppelin-site.xml"]["content"])
    assert site["zeppelin.notebook.public"] == "false"
    assert site["zeppelin.anonymous.allowed"] == "false"
    setting = json.loads(written["/etc/zeppelin/conf/interpreter.json"]["content"])[
        "interpreterSettings"]["spark"]
    # One driver per person, submitted to Yarn as them (spark-submit --proxy-user).
    assert setting["option"]["perUser"] == "isolated"
    assert setting["option"]["isUserImpersonate"] is True
    core = hadoop_properties(written["/etc/hadoop/conf/core-site.xml"]["content"])
    assert core["hadoop.proxyuser.gaia.hosts"] == plan.gateway.name
    assert core["hadoop.proxyuser.gaia.users"] == "admin,alice,bob"
    # Passwords are made on the gateway, never rendered.
    assert "/etc/zeppelin/conf/shiro.ini" not in written


def test_a_yarn_limit_per_person(plan: YarnPlan) -> None:
    scheduler = hadoop_properties(files(user_data(plan, plan.workers[0]))[
        "/etc/hadoop/conf/capacity-scheduler.xml"]["content"])
    default = str(plan.spec.scheduler.max_apps_per_user)
    assert scheduler["yarn.scheduler.capacity.user.alice.max-parallel-apps"] == default
    assert scheduler["yarn.scheduler.capacity.user.bob.max-parallel-apps"] == "1"


def test_user_data_fits_nova(plan: YarnPlan) -> None:
    for vm in (plan.gateway, plan.workers[0]):
        encoded = base64.b64encode(user_data(plan, vm).encode())
        assert len(encoded) <= cloudinit.NOVA_USER_DATA_MAX


def test_two_peoples_user_data_passes_cloud_inits_schema_validator(
    plan: YarnPlan, tmp_path: Path
) -> None:
    for vm in (plan.gateway, plan.workers[0]):
        result = validate_cloud_config(user_data(plan, vm), tmp_path)
        assert result.returncode == 0, f"{vm.name}:\n{result.stdout}\n{result.stderr}"
