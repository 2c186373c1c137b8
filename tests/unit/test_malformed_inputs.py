"""Property tests: malformed profiles, catalogues and flags never end in a traceback. A profile
or catalogue is either accepted or refused with ConfigError (exit 2) naming the file and the
field; flags are refused with exit 2; and whatever the validation accepts, the charts render
(nothing the charts would reject reaches the cloud steps).

The figure "malformed inputs tried: N" is printed at the end of the module.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gaia_platform import profile
from gaia_platform.cli import main
from gaia_platform.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
BASE_PROFILE = yaml.safe_load((REPO / "openstack/clouds/sandbox.yaml").read_text())
BASE_CATALOGUE = yaml.safe_load((REPO / "manila/shares.yaml").read_text())
TRIED = {"count": 0}

#: Values users and templates get wrong, Rich markup and invalid-but-plausible ones included.
NASTY = st.sampled_from([
    "[/oops]", "[bold]x[/bold]", "kube-system", "default", "/etc", "/etc/passwd", "/data//x",
    "/data/x y", "/var/run/secrets/kubernetes.io/serviceaccount", "/opt/zeppelin/conf",
    "/tmp", "/", "relative/path", "999.999.999.999/99", "10.10.0.0/33", "10.10.0.0/30", "",
    "-1", "yes", "on", "1e309", "\x00", "é" * 300, "a" * 5000])
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), NASTY,
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2))


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> tuple[Any, tuple[Any, ...]]:
    """``base`` with one leaf replaced, one key removed, or one unknown key added."""
    tree = copy.deepcopy(base)
    path = draw(st.sampled_from(_paths(tree)))
    parent: Any = tree
    for part in path[:-1]:
        parent = parent[part]
    how = draw(st.sampled_from(["replace", "remove", "add"]))
    if how == "replace" or (how == "remove" and isinstance(parent, list)):
        parent[path[-1]] = draw(JUNK)
    elif how == "remove":
        del parent[path[-1]]
    else:
        if isinstance(parent[path[-1]], dict):
            target, where = parent[path[-1]], path
        elif isinstance(parent, dict):
            target, where = parent, path[:-1]
        else:
            target, where = tree, ()
        key = draw(st.one_of(st.text(min_size=1, max_size=12), NASTY.filter(bool)))
        assume(key not in target)
        # A key the YAML writer itself cannot carry (PyYAML writes U+0085, a YAML line break,
        # raw inside quotes and reads it back as a space) tests PyYAML, not the profile.
        assume(yaml.safe_load(yaml.safe_dump({key: 0}, allow_unicode=True)) == {key: 0})
        target[key] = draw(JUNK)
        path = (*where, key)
    return tree, path


def _write(directory: Path, profile_data: Any, catalogue: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "shares.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True))
    data = profile_data
    if isinstance(data, dict) and data.get("shares") == BASE_PROFILE["shares"]:
        data = {**data, "shares": "shares.yaml"}
    path = directory / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _check(path: Path, catalogue: Path, mutated_path: tuple[Any, ...]) -> None:
    """Loads, or fails with a ConfigError naming the file and (when known) the field."""
    TRIED["count"] += 1
    try:
        profile.load(str(path))
    except ConfigError as error:
        message = str(error)
        assert error.exit_code == 2
        assert str(path) in message or str(catalogue) in message, message
        top = str(mutated_path[0]) if mutated_path else ""
        if top and not isinstance(mutated_path[0], int) and str(catalogue) not in message:
            assert top[:40] in message, (mutated_path, message)


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    print(f"\nmalformed inputs tried: {TRIED['count']}")


FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FAST
@given(case=mutated(BASE_PROFILE))
def test_a_malformed_profile_is_refused_with_file_and_field(tmp_path: Path,
                                                            case: tuple[Any, Any]) -> None:
    data, path = case
    directory = tmp_path / f"p{TRIED['count']}"
    written = _write(directory, data, BASE_CATALOGUE)
    _check(written, directory / "shares.yaml", path)


@FAST
@given(case=mutated(BASE_CATALOGUE))
def test_a_malformed_catalogue_is_refused_with_file_and_field(tmp_path: Path,
                                                              case: tuple[Any, Any]) -> None:
    data, _path = case
    directory = tmp_path / f"c{TRIED['count']}"
    written = _write(directory, BASE_PROFILE, data)
    catalogue = directory / "shares.yaml"
    TRIED["count"] += 1
    try:
        profile.load(str(written))
    except ConfigError as error:
        assert error.exit_code == 2
        assert str(catalogue) in str(error), str(error)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: ("name: x\n" + t).encode("utf-16")),
    st.integers(min_value=1, max_value=30000).map(lambda n: ("[" * n + "]" * n).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda n: ("a:\n" + "".join(
        " " * i + f"k{i}:\n" for i in range(1, n))).encode()),
    st.sampled_from([b"a: 1\na: 2\n", b"\xef\xbb\xbfname: x\n", b"- 1\n- 2\n",
                     b"!!python/object:os.system ls\n", b"name: &a [*a]\n", b"\t\x00\x01"])))
def test_bytes_that_are_no_profile_are_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / f"raw{TRIED['count']}.yaml"
    path.write_bytes(raw)
    TRIED["count"] += 1
    with pytest.raises(ConfigError) as refused:
        profile.load(str(path))
    assert str(path) in str(refused.value)
    assert refused.value.exit_code == 2


KNOWN = {p.stem for p in profile.PROFILE_DIR.glob("*.yaml")}


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["plan", "deploy", "status", "delete", "kubeconfig",
                                "yarn-fallback", "yarn-fallback-status"]),
       cloud=st.one_of(st.text(max_size=60), st.text(min_size=1000, max_size=5000),
                       NASTY, st.just("x" * 5000)),
       output=st.one_of(st.none(), st.sampled_from(["yaml", "", "JSON", "[/x]"])))
# Found by this test once: pathlib cannot expand the home of a user that does not exist.
@example(command="plan", cloud="~0", output=None)
@example(command="status", cloud="~nosuchuser/p.yaml", output=None)
def test_bad_flags_exit_2_without_traceback(tmp_path: Path, command: str, cloud: str,
                                            output: str | None) -> None:
    assume(cloud not in KNOWN and not cloud.startswith("-"))
    assume(not (cloud.endswith((".yaml", ".yml")) and Path(cloud).is_file()))
    args = [command, "--cloud", cloud] + ([] if output is None else ["--output", output])
    TRIED["count"] += 1
    env = {"GAIA_SANDBOX_DIR": str(tmp_path / "no-sandbox"),
           "GAIA_STATE_DIR": str(tmp_path / "state"), "OS_CLIENT_CONFIG_FILE": os.devnull}
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2, (args, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), (args, result.exception)
    assert "Traceback" not in result.output


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scale=st.one_of(st.sampled_from(["nan", "-1", "0", "inf", "1e400", "x", "", "[/x]"]),
                       st.floats(allow_nan=True).map(str)))
def test_a_bad_time_scale_exits_2(tmp_path: Path, scale: str) -> None:
    try:
        value = float(scale)
        assume(not (0 < value <= 1000))
    except ValueError:
        pass
    TRIED["count"] += 1
    result = CliRunner().invoke(main, ["sandbox", "up", "--time-scale", scale],
                                env={"GAIA_SANDBOX_DIR": str(tmp_path / "never")})
    assert result.exit_code == 2, (scale, result.output)
    assert not (tmp_path / "never").exists()


def test_markup_in_a_profile_key_is_printed_as_written(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE_PROFILE)
    data["cluster"]["[/oops]"] = 1
    written = _write(tmp_path, data, BASE_CATALOGUE)
    TRIED["count"] += 1
    result = CliRunner().invoke(main, ["plan", "--cloud", str(written)],
                                env={"GAIA_SANDBOX_DIR": str(tmp_path / "none"),
                                     "COLUMNS": "300"})
    assert result.exit_code == 2
    assert "cluster.[/oops]: unknown field" in " ".join(result.output.split())


def _share_strategy() -> st.SearchStrategy[dict[str, Any]]:
    segment = st.text(alphabet=st.characters(codec="ascii", exclude_characters="/\x00"),
                      min_size=1, max_size=12)
    path = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
    return st.fixed_dictionaries({
        "name": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
        "size_gb": st.integers(min_value=1, max_value=10**6),
        "access": st.just("ro"), "purpose": st.just("data"), "mount_path": path})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(share=_share_strategy())
def test_what_validation_accepts_the_charts_render(tmp_path: Path, share: dict[str, Any],
                                                   helm_binary: Path) -> None:
    """Nothing the charts would refuse gets past the profile validation (and so never reaches
    the cloud steps)."""
    import subprocess

    from gaia_platform.desired import desired_state
    from gaia_platform.helm import values as chart_values

    catalogue = copy.deepcopy(BASE_CATALOGUE)
    catalogue["shares"].append(share)
    directory = tmp_path / f"h{TRIED['count']}"
    written = _write(directory, BASE_PROFILE, catalogue)
    TRIED["count"] += 1
    try:
        deployment = profile.load(str(written))
        releases = chart_values.releases(deployment, desired_state(deployment),
                                         spark_image=deployment.profile.kubernetes.spark_image)
    except ConfigError:
        return
    for release in releases:
        values = directory / f"{release.name}.json"
        values.write_text(json.dumps(release.values))
        rendered = subprocess.run(
            [str(helm_binary), "template", release.name, str(release.chart), "--namespace",
             "gaia", "--kube-version", "1.34.4", "--values", str(values)],
            capture_output=True, text=True, timeout=120, check=False)
        assert rendered.returncode == 0, (share, rendered.stderr[-1500:])


@pytest.fixture(scope="module")
def helm_binary() -> Path:
    from gaia_platform.helm.binary import find_helm

    return find_helm(lambda message: None)


def test_a_pattern_in_a_validation_message_is_printed_as_written(tmp_path: Path) -> None:
    """Regexes in pydantic's messages contain brackets Rich would take for markup."""
    data = copy.deepcopy(BASE_PROFILE)
    data["name"] = "Not_A_Label"
    written = _write(tmp_path, data, BASE_CATALOGUE)
    TRIED["count"] += 1
    result = CliRunner().invoke(main, ["plan", "--cloud", str(written)],
                                env={"GAIA_SANDBOX_DIR": str(tmp_path / "none"),
                                     "COLUMNS": "300"})
    assert result.exit_code == 2
    assert profile.DNS_LABEL in "".join(result.output.split()), result.output


def test_merge_keys_load_and_a_repeated_key_is_still_refused(tmp_path: Path) -> None:
    """The cambridge catalogue shares one owner block through `<<: *anchor` (YAML merge keys);
    the loader that refuses a key given twice must still take those, overrides included."""
    path = tmp_path / "catalogue.yaml"
    path.write_text("base: &b {project: p, cloud: c}\n"
                    "owner:\n  <<: *b\n  cloud: d\n")
    assert profile._read_yaml(path)["owner"] == {"project": "p", "cloud": "d"}
    path.write_text("owner:\n  cloud: c\n  cloud: d\n")
    with pytest.raises(Exception, match="twice"):
        profile._read_yaml(path)
