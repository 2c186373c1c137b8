"""Reading and rewriting the users catalogue file (pure apart from the file itself).

The file's leading comment block is kept; entries are written with only the fields that differ
from their defaults, so a hand-written file stays as short as it was.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import ConfigError
from ..profile import USER_NAME, Deployment, User, UsersCatalogue


def catalogue_of(deployment: Deployment) -> tuple[UsersCatalogue, Path]:
    if deployment.users is None or deployment.users_path is None:
        raise ConfigError(
            f"{deployment.profile_path} names no users catalogue: add the field "
            "'users: users.yaml' (a file beside the share catalogue with a 'users:' list, see "
            "manila/users.yaml in the repository) and re-run.")
    return deployment.users, deployment.users_path


def new_user(name: str, role: str, home_gb: int | None, user_gb: int | None,
             catalogue_path: Path) -> User:
    """A catalogue entry from command-line flags; bad flags are errors naming the flag."""
    fields: dict[str, object] = {"name": name, "role": role}
    if home_gb is not None:
        fields["home_gb"] = home_gb
    if user_gb is not None:
        fields["user_gb"] = user_gb
    try:
        return User.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'NAME' if p['loc'] == ('name',) else '--' + str(p['loc'][0]).replace('_', '-')}"
            f": {p['msg']}" for p in exc.errors())
        raise ConfigError(f"Cannot add {name!r} to {catalogue_path}: {problems}. User names "
                          f"match {USER_NAME} (a Linux and Kubernetes name).") from exc


def with_user(catalogue: UsersCatalogue, user: User, path: Path) -> UsersCatalogue:
    try:
        return UsersCatalogue.model_validate(
            {"users": [u.model_dump() for u in [*catalogue.users, user]]})
    except ValidationError as exc:
        raise ConfigError(f"Cannot add {user.name!r} to {path}: "
                          f"{exc.errors()[0]['msg'].removeprefix('Value error, ')}. "
                          "Add an admin first (--role admin).") from exc


def without_user(catalogue: UsersCatalogue, name: str, path: Path) -> UsersCatalogue:
    remaining = [user for user in catalogue.users if user.name != name]
    try:
        return UsersCatalogue.model_validate({"users": [u.model_dump() for u in remaining]})
    except ValidationError as exc:
        raise ConfigError(f"Cannot remove {name!r} from {path}: "
                          f"{exc.errors()[0]['msg'].removeprefix('Value error, ')}. "
                          "Give another user role: admin first.") from exc


def render(catalogue: UsersCatalogue, header: str) -> str:
    entries = [user.model_dump(exclude_defaults=True) for user in catalogue.users]
    body = yaml.safe_dump({"users": entries}, sort_keys=False, default_flow_style=False)
    return header + body


def header_of(text: str) -> str:
    """The comment lines (and blank lines) at the top of the file."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def write(path: Path, catalogue: UsersCatalogue) -> None:
    """Rewrite the file atomically (a crash leaves the old or the new file, never half)."""
    header = header_of(path.read_text()) if path.exists() else ""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(catalogue, header))
    partial.replace(path)
