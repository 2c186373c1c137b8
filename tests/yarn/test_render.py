"""What the Yarn VMs boot with, rendered from the real profiles and catalogue (no cloud)."""

from __future__ import annotations

import base64
import dataclasses
import json
import shlex
from pathlib import Path

import pytest
import yaml

from gaia_platform.errors import ConfigError
from gaia_platform.profile import YarnSpark
from gaia_platform.yarn import cloudinit, hadoop, spark
from gaia_platform.yarn.layout import SHUFFLE_PORT
from gaia_platform.yarn.sizing import Flavor, compute, container
from tests.yarn.helpers import (
    FAKE_KEY,
    files,
    hadoop_properties,
    java_properties,
    plan_for,
    sizing_for,
    user_data,
    validate_cloud_config,
)

PROFILES = ["sandbox", "cambridge"]


@pytest.mark.parametrize("cloud", PROFILES)
def test_every_role_passes_cloud_inits_schema_validator(cloud: str, tmp_path: Path) -> None:
    plan = plan_for(cloud)
    for vm in (plan.gateway, plan.master, plan.workers[0]):
        result = validate_cloud_config(user_data(plan, vm), tmp_path)
        assert result.returncode == 0, f"{vm.name}:\n{result.stdout}\n{result.stderr}"
        assert "Valid cloud-config" in result.stdout


def test_the_validator_does_reject_a_broken_cloud_config(tmp_path: Path) -> None:
    # So that the test above cannot pass vacuously.
    plan = plan_for("sandbox")
    broken = user_data(plan, plan.master).replace("package_update: true",
                                                  "package_update: sometimes")
    assert validate_cloud_config(broken, tmp_path).returncode != 0


@pytest.mark.parametrize("cloud", PROFILES)
def test_user_data_fits_novas_limit(cloud: str) -> None:
    plan = plan_for(cloud)
    for vm in (plan.gateway, plan.master, plan.workers[0]):
        encoded = base64.b64encode(user_data(plan, vm).encode())
        assert len(encoded) <= cloudinit.NOVA_USER_DATA_MAX, vm.name


def test_shares_are_mounted_at_the_catalogue_paths_data_read_only() -> None:
    plan = plan_for("sandbox")
    catalogue = {share.name: share.share for share in plan.shares}
    written = files(user_data(plan, plan.gateway))
    fstab = written["/etc/fstab"]
    assert fstab["append"] is True  # added to the image's fstab, not replacing it
    lines = fstab["content"].splitlines()
    assert len(lines) == len(catalogue)  # the gateway mounts every share
    by_path = {}
    for line in lines:
        device, path, fstype, options, dump, passno = line.split()
        assert (device, fstype, dump, passno) == ("none", "fuse.ceph", "0", "0")
        by_path[path] = dict(o.partition("=")[::2] for o in options.split(","))
    for name, share in catalogue.items():
        options = by_path[share.mount_path]
        cephx = plan.share(name).cephx_id
        assert options["ceph.id"] == cephx == f"gaia-sandbox-yarn-{name}"
        assert options["ceph.client_mountpoint"] == f"/volumes/_nogroup/{name}-id/subvolume"
        assert options["ceph.keyring"] == f"/etc/ceph/{cephx}.keyring"
        wanted, unwanted = ("ro", "rw") if share.purpose == "data" else ("rw", "ro")
        assert wanted in options and unwanted not in options, share.name
        keyring = written[f"/etc/ceph/{cephx}.keyring"]
        assert keyring["permissions"] == "0600"
        assert keyring["content"] == f"[client.{cephx}]\n    key = {FAKE_KEY}\n"
        conf = written[options["ceph.conf"]]["content"]
        assert "mon host = 10.4.200.9:6789,10.4.200.13:6789,10.4.200.17:6789" in conf
    env = written["/etc/gaia/yarn.env"]["content"]
    mounts = next(line for line in env.splitlines() if line.startswith("MOUNTS="))
    assert shlex.split(mounts[len("MOUNTS=("):-1]) == [s.mount_path for s in catalogue.values()]


def test_workers_mount_data_and_user_space_and_the_master_nothing() -> None:
    plan = plan_for("sandbox")
    worker = files(user_data(plan, plan.workers[0]))
    paths = [line.split()[1] for line in worker["/etc/fstab"]["content"].splitlines()]
    wanted = [s.share.mount_path for s in plan.shares if s.share.purpose in ("data", "user")]
    assert paths == wanted and "/notebooks" not in paths
    master = files(user_data(plan, plan.master))
    assert "/etc/fstab" not in master
    assert not [path for path in master if path.startswith("/etc/ceph/")]
    assert FAKE_KEY not in user_data(plan, plan.master)


def test_every_node_names_every_node_and_worker_slot() -> None:
    plan = plan_for("sandbox")
    hosts = files(user_data(plan, plan.workers[1]))["/etc/hosts"]["content"]
    entries = dict(line.split()[::-1] for line in hosts.splitlines()
                   if line and not line.startswith("#") and line[0].isdigit()
                   and not line.startswith("127."))
    for vm in plan.vms:
        assert entries[vm.name] == vm.address
    assert entries["gaia-sandbox-yarn-worker-100"] == "10.20.0.119"
    pool_start = int(plan.pool[0].rsplit(".", 1)[1])
    assert all(int(address.rsplit(".", 1)[1]) < pool_start for address in entries.values())
    document = yaml.safe_load(user_data(plan, plan.workers[1]))
    assert document["hostname"] == plan.workers[1].name
    assert document["manage_etc_hosts"] is False


def test_yarn_site_runs_sparks_shuffle_service_and_fits_the_worker() -> None:
    plan = plan_for("cambridge")
    sizing = sizing_for(plan)
    conf = files(user_data(plan, plan.workers[0]))
    site = hadoop_properties(conf["/etc/hadoop/conf/yarn-site.xml"]["content"])
    assert site["yarn.resourcemanager.hostname"] == plan.master.name
    assert site["yarn.nodemanager.aux-services"] == "spark_shuffle"
    assert site["yarn.nodemanager.aux-services.spark_shuffle.class"] == \
        "org.apache.spark.network.yarn.YarnShuffleService"
    assert site["yarn.nodemanager.aux-services.spark_shuffle.classpath"] == "/opt/spark/yarn/*"
    assert site["spark.shuffle.service.port"] == str(SHUFFLE_PORT)
    memory = int(site["yarn.nodemanager.resource.memory-mb"])
    assert memory == sizing.nm_memory_mb < 44032
    assert int(site["yarn.nodemanager.resource.cpu-vcores"]) == 26
    assert int(site["yarn.scheduler.maximum-allocation-mb"]) <= memory
    assert container(sizing.executor_memory_mb) * sizing.executors_per_worker <= memory
    core = hadoop_properties(conf["/etc/hadoop/conf/core-site.xml"]["content"])
    assert core["fs.defaultFS"] == "file:///"


def test_capacity_scheduler_keeps_one_user_from_starving_the_others() -> None:
    plan = plan_for("sandbox")
    conf = files(user_data(plan, plan.master))
    queue = hadoop_properties(conf["/etc/hadoop/conf/capacity-scheduler.xml"]["content"])
    prefix = "yarn.scheduler.capacity.root.default"
    assert queue["yarn.scheduler.capacity.root.queues"] == "default"
    assert queue[f"{prefix}.capacity"] == "100"
    assert queue[f"{prefix}.minimum-user-limit-percent"] == "20"
    assert queue[f"{prefix}.user-limit-factor"] == "1"
    assert queue[f"{prefix}.ordering-policy"] == "fair"
    assert float(queue[f"{prefix}.maximum-am-resource-percent"]) == 0.5
    assert queue["yarn.scheduler.capacity.user.max-parallel-apps"] == "2"
    assert queue["yarn.scheduler.capacity.resource-calculator"].endswith(
        "DominantResourceCalculator")
    site = hadoop_properties(conf["/etc/hadoop/conf/yarn-site.xml"]["content"])
    assert site["yarn.resourcemanager.scheduler.monitor.enable"] == "true"
    assert site["yarn.resourcemanager.scheduler.monitor.policies"].endswith(
        "ProportionalCapacityPreemptionPolicy")
    preemption = "yarn.resourcemanager.monitor.capacity.preemption.intra-queue-preemption"
    assert site[f"{preemption}.enabled"] == "true"
    assert site[f"{preemption}.preemption-order-policy"] == "userlimit_first"
    # Yarn's default 0.1 preempts no vCPU at all on clusters of fewer than ten vCPUs.
    rounds = "yarn.resourcemanager.monitor.capacity.preemption.total_preemption_per_round"
    assert int(float(site[rounds]) * 8) >= 2  # the sandbox's 8 vCPUs: one executor per round


def test_preemption_can_be_turned_off_in_the_profile() -> None:
    plan = plan_for("sandbox")
    spec = plan.spec.model_copy(update={"scheduler": plan.spec.scheduler.model_copy(
        update={"preemption": False})})
    props = hadoop.yarn_site(dataclasses.replace(plan, spec=spec), sizing_for(plan))
    assert "yarn.resourcemanager.scheduler.monitor.enable" not in props


def test_spark_defaults_use_yarn_client_mode_and_dynamic_allocation() -> None:
    plan = plan_for("sandbox")
    conf = files(user_data(plan, plan.gateway))
    defaults = java_properties(conf["/etc/spark/conf/spark-defaults.conf"]["content"])
    sizing = sizing_for(plan)
    assert defaults["spark.master"] == "yarn"
    assert defaults["spark.submit.deployMode"] == "client"
    assert defaults["spark.dynamicAllocation.enabled"] == "true"
    assert defaults["spark.shuffle.service.enabled"] == "true"
    assert defaults["spark.shuffle.service.port"] == str(SHUFFLE_PORT)
    assert defaults["spark.executor.memory"] == f"{sizing.executor_memory_mb}m"
    assert defaults["spark.executor.cores"] == "2"
    # Staged on the share every node mounts read-write, so NodeManagers can localise it.
    staging = defaults["spark.yarn.stagingDir"]
    assert staging == "file:///user/.spark-staging"
    worker_paths = [line.split()[1] for line in files(user_data(plan, plan.workers[0]))[
        "/etc/fstab"]["content"].splitlines()]
    assert "/user" in worker_paths
    assert "spark.dynamicAllocation.maxExecutors" not in defaults


def test_zeppelin_gives_each_user_an_isolated_spark_interpreter_with_the_same_settings(
) -> None:
    plan = plan_for("sandbox")
    conf = files(user_data(plan, plan.gateway))
    document = json.loads(conf["/etc/zeppelin/conf/interpreter.json"]["content"])
    setting = document["interpreterSettings"]["spark"]
    assert setting["group"] == "spark"
    assert setting["option"]["perUser"] == "isolated"
    assert setting["option"]["perNote"] == "shared"
    assert document["interpreterBindings"] == {}
    props = {name: p["value"] for name, p in setting["properties"].items()}
    assert all(name == p["name"] for name, p in setting["properties"].items())
    defaults = java_properties(conf["/etc/spark/conf/spark-defaults.conf"]["content"])
    assert {k: props[k] for k in defaults} == defaults  # Zeppelin passes the same settings
    site = hadoop_properties(conf["/etc/zeppelin/conf/zeppelin-site.xml"]["content"])
    assert site["zeppelin.notebook.dir"] == "/notebooks"
    assert site["zeppelin.server.addr"] == "127.0.0.1"  # only nginx's TLS port faces out
    assert site["zeppelin.anonymous.allowed"] == "false"
    nginx = conf["/etc/nginx/sites-available/gaia-zeppelin"]["content"]
    assert "listen 443 ssl" in nginx and "proxy_pass http://127.0.0.1:8080" in nginx
    users = next(line for line in conf["/etc/gaia/yarn.env"]["content"].splitlines()
                 if line.startswith("ZEPPELIN_USERS="))
    # The users catalogue (manila/users.yaml) names the accounts and their roles.
    assert users == "ZEPPELIN_USERS=(admin:admin)"


def test_no_password_and_no_key_leaves_the_renderer_except_in_user_data() -> None:
    plan = plan_for("sandbox")
    text = user_data(plan, plan.gateway, key="AQSECRETKEYVALUEAQSECRETKEYVALUE==")
    assert text.count("AQSECRETKEYVALUEAQSECRETKEYVALUE==") == len(plan.gateway.mounts)
    document = yaml.safe_load(text)
    assert document["disable_ec2_metadata"] is True  # notebook code cannot read it back
    # Zeppelin's accounts are made on the gateway at first boot: no password is rendered.
    assert "/etc/zeppelin/conf/shiro.ini" not in files(text)
    assert "openssl rand" in files(text)["/etc/gaia/yarn-setup.sh"]["content"]
    real = cloudinit.Mount("s", "/s", "ro", "id", "m:1", "/p", "AQSECRETKEYVALUE")
    assert "AQSECRETKEYVALUE" not in repr(real)
    # The digest that decides replacement ignores keys and the cloud's share locations.
    mounts = cloudinit.planned_mounts(plan, plan.gateway)
    one = cloudinit.digest(plan, plan.gateway, sizing_for(plan), mounts)
    other = cloudinit.digest(plan, plan.gateway, sizing_for(plan), [
        cloudinit.Mount(m.share, m.mount_path, m.access, m.cephx_id, "x:1", "/y", "KEY")
        for m in mounts])
    assert one == other
    assert cloudinit.digest(plan, plan.master, sizing_for(plan), []) != one


def test_releases_come_from_the_profiles_mirror_and_versions() -> None:
    plan = plan_for("sandbox")
    env = files(user_data(plan, plan.workers[0]))["/etc/gaia/yarn.env"]["content"]
    software = plan.spec.software
    assert (f"HADOOP_URL={software.mirror}/hadoop/common/hadoop-{software.hadoop_version}/"
            f"hadoop-{software.hadoop_version}.tar.gz") in env
    assert f"spark-{software.spark_version}-bin-hadoop3.tgz" in env
    assert "ZEPPELIN_URL" not in env  # only the gateway runs Zeppelin
    script = files(user_data(plan, plan.workers[0]))["/etc/gaia/yarn-setup.sh"]
    assert script["permissions"] == "0755"
    assert "sha512sum --check" in script["content"]


def test_executor_sizes_follow_the_worker_flavor() -> None:
    plan = plan_for("sandbox")
    small = compute(plan.spec, Flavor("gaia.vm.4vcpu", 4, 8192), "p.yaml")
    assert small.nm_memory_mb == 8192 - 2048
    assert small.executors_per_worker == 2
    assert container(small.executor_memory_mb) * 2 <= small.nm_memory_mb
    spec = plan.spec.model_copy(update={"spark": YarnSpark(executor_memory_mb=30000)})
    with pytest.raises(ConfigError, match=r"p\.yaml: yarn\.spark\.executor_memory_mb is 30000"):
        compute(spec, Flavor("gaia.vm.4vcpu", 4, 8192), "p.yaml")
    spec = plan.spec.model_copy(update={"spark": YarnSpark(executor_cores=8)})
    with pytest.raises(ConfigError, match=r"yarn\.spark\.executor_cores is 8"):
        compute(spec, Flavor("gaia.vm.4vcpu", 4, 8192), "p.yaml")


def test_spark_staging_falls_back_to_the_notebooks_share_without_a_user_share(
    tmp_path: Path,
) -> None:
    repo = Path(__file__).resolve().parents[2]
    catalogue = yaml.safe_load((repo / "manila/shares.yaml").read_text())
    catalogue["shares"] = [s for s in catalogue["shares"] if s["purpose"] != "user"]
    (tmp_path / "shares.yaml").write_text(yaml.safe_dump(catalogue))
    document = yaml.safe_load((repo / "openstack/clouds/sandbox.yaml").read_text())
    document["shares"] = str(tmp_path / "shares.yaml")
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump(document))
    plan = plan_for(str(tmp_path / "profile.yaml"))
    assert spark.staging_dir(plan) == "/notebooks/.spark-staging"
    assert "gaia-notebooks" in plan.workers[0].mounts


def test_ssh_to_the_gateway_only_when_the_profile_opens_it(tmp_path: Path) -> None:
    assert [r.port for g in plan_for("sandbox").groups for r in g.rules] == [443, None]
    repo = Path(__file__).resolve().parents[2]
    document = yaml.safe_load((repo / "openstack/clouds/sandbox.yaml").read_text())
    document["yarn"]["ssh_cidr"] = "192.0.2.0/28"
    document["shares"] = str(repo / "manila/shares.yaml")
    (tmp_path / "ssh.yaml").write_text(yaml.safe_dump(document))
    gateway, internal = plan_for(str(tmp_path / "ssh.yaml")).groups
    assert [(r.protocol, r.port, r.remote_ip_prefix) for r in gateway.rules] == [
        ("tcp", 443, "0.0.0.0/0"), ("tcp", 22, "192.0.2.0/28")]
    assert [(r.protocol, r.remote_group) for r in internal.rules] == [(None, True)]
