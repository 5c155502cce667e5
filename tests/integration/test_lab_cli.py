"""The lab's harnesses keep their command names (API.md) under the domains' groups, and run
end to end on a small dump: replay writes decisions that evaluate reads."""
import json

from tests.integration.test_importer import dump  # noqa: F401  (fixture: a small dump)


def test_command_names_are_unchanged(app):
    runner = app.test_cli_runner()
    experts = runner.invoke(args=["experts", "--help"]).output
    search = runner.invoke(args=["search", "--help"]).output
    assert all(name in experts for name in ("replay", "evaluate", "route-pending"))
    assert all(name in search for name in ("reindex", "evaluate"))


def test_replay_then_evaluate(app, dump, tmp_path):  # noqa: F811
    out = tmp_path / "decisions.jsonl"
    runner = app.test_cli_runner()
    replayed = runner.invoke(args=["experts", "replay", str(dump), "--out", str(out)])
    assert replayed.exit_code == 0, replayed.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["question"] for line in lines} == {1, 2, 7}
    assert all(set(line) == {"question", "asker", "ranked", "notified", "at"} for line in lines)
    evaluated = runner.invoke(args=["experts", "evaluate", str(out), str(dump), "--bootstrap", "10", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "Routing evaluation: 3 JSONL lines, 1 evaluated" in evaluated.output
