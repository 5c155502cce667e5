"""The production topology's files agree with each other where a mismatch only shows under load."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _upstream_block(template: str, name: str) -> str:
    match = re.search(r"upstream\s+" + name + r"\s*\{(.*?)\n\s*\}", template, re.S)
    assert match, f"no upstream {name} in the nginx template"
    return match.group(1)


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[unit]


def test_gunicorn_keeps_idle_upstream_connections_longer_than_nginx_does():
    """nginx reuses idle upstream connections; if gunicorn closed them first, a request nginx sends
    on one at that moment is lost, and a POST answers 502 (seen in the 40-vote system test).
    nginx's default upstream keepalive_timeout is 60 s, so it must be written out and be shorter."""
    block = _upstream_block((DEPLOY / "nginx.conf.template").read_text(), "qaforum_app")
    assert re.search(r"^\s*keepalive\s+\d+;", block, re.M), "the app upstream keeps connections alive"
    timeout = re.search(r"^\s*keepalive_timeout\s+(\S+);", block, re.M)
    assert timeout, "the app upstream states its keepalive_timeout"
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert gunicorn["keepalive"] > _seconds(timeout.group(1))
