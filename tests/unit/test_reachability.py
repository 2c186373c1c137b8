"""The DNS part of the entry-point check (plan's note, deploy's last lines), with DNS answers
given: the sandbox cannot make a name resolve on this machine. The failing lookup is exercised
for real in tests/deploy/test_preflight_reachability.py and tests/deploy/test_deploy.py."""

from __future__ import annotations

import socket

import pytest

from gaia_platform.render import access_lines
from gaia_platform.steps.reachability import Resolver, dns_note, system_resolve


def _answers(*addresses: str) -> Resolver:
    return lambda host: list(addresses)


def test_a_public_address_is_reported_as_what_must_be_the_load_balancer() -> None:
    note = dns_note("gaia.example.org", acme=True, resolve=_answers("128.232.222.10"))
    assert note == ("web.host gaia.example.org resolves to 128.232.222.10: that must be the "
                    "ingress load balancer's address, which deploy prints at the end")


def test_a_private_address_with_acme_says_the_certificate_will_not_be_issued() -> None:
    note = dns_note("gaia.example.org", acme=True, resolve=_answers("10.4.200.9"))
    assert "not a public address" in note and "set web.tls.secret" in note
    # With a certificate of one's own, a private address is fine (an internal service).
    assert "resolves to 10.4.200.9: that must be" in dns_note(
        "gaia.example.org", acme=False, resolve=_answers("10.4.200.9"))


def test_a_name_that_does_not_resolve_says_which_record_to_make() -> None:
    def nowhere(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    note = dns_note("gaia.example.org", acme=True, resolve=nowhere)
    assert note.startswith("web.host gaia.example.org does not resolve from here")
    assert "create a DNS A record gaia.example.org -> the ingress load balancer's address" \
        in note
    assert "Let's Encrypt cannot issue its certificate" in note


def test_the_system_resolver_answers_for_an_address_literal() -> None:
    # The one lookup every machine answers without a DNS server.
    assert system_resolve("127.0.0.1") == ["127.0.0.1"]


def _access(capsys: pytest.CaptureFixture[str], **zeppelin: object) -> str:
    access_lines({"url": "https://gaia.example.org/", "via": "ingress",
                  "host": "gaia.example.org", "user": "admin", "password_command": "x",
                  **zeppelin})
    return " ".join(capsys.readouterr().out.split())


def test_deploys_last_lines_say_whether_the_name_leads_to_the_load_balancer(
        capsys: pytest.CaptureFixture[str]) -> None:
    said = _access(capsys, load_balancer="128.232.222.10", resolves_to=["128.232.222.10"])
    assert "DNS: gaia.example.org must resolve to the load balancer 128.232.222.10 (it does)" \
        in said
    said = _access(capsys, load_balancer="128.232.222.10", resolves_to=["128.232.222.99"])
    assert "(it resolves to 128.232.222.99 now: change its A record)" in said
    said = _access(capsys, load_balancer="128.232.222.10", resolves_to=None)
    assert "(it does not resolve yet: create an A record gaia.example.org -> " \
        "128.232.222.10)" in said
    said = _access(capsys, load_balancer=None, resolves_to=None)
    assert "no address yet" in said and "create an A record gaia.example.org -> that " \
        "address" in said
