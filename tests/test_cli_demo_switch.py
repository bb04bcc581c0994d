"""`make run DEMO=0`: the portal starts without the demo connection (decision tested in-process)."""

import pytest

from bcsales import cli


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """`cli.run` with its children replaced by a record of what it would start or call."""
    calls: list[tuple[str, ...]] = []
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    monkeypatch.setattr(cli.Runner, "start_redis", lambda self: None)
    monkeypatch.setattr(cli.Runner, "call", lambda self, *args: calls.append(("call", *args)))
    monkeypatch.setattr(cli.Runner, "spawn",
                        lambda self, name, command: calls.append(("spawn", name)))
    monkeypatch.setattr(cli.Runner, "wait", lambda self: 0)
    monkeypatch.setattr(cli.Runner, "stop", lambda self: None)
    return calls


@pytest.mark.parametrize("value", [None, "1", "yes"])
def test_by_default_run_creates_the_demo_connection(recorded, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("DEMO", raising=False)
    else:
        monkeypatch.setenv("DEMO", value)
    assert cli.run(8000, 8443) == 0
    assert ("call", "connect_sandbox", "--wait") in recorded


@pytest.mark.parametrize("value", ["0", "off", "false", "No"])
def test_demo_0_starts_everything_but_the_demo_connection(recorded, monkeypatch, capsys, value):
    monkeypatch.setenv("DEMO", value)
    assert cli.run(8000, 8443) == 0
    assert not any("connect_sandbox" in call for call in recorded)
    assert {("spawn", "sandbox"), ("spawn", "worker"), ("spawn", "web")} <= set(recorded)
    assert ("call", "demo_admin") in recorded  # someone can still sign in
    assert "Assisted setup" in capsys.readouterr().out


def test_an_unreadable_demo_value_is_refused_before_anything_starts(recorded, monkeypatch):
    monkeypatch.setenv("DEMO", "maybe")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run"])
    assert exit_.value.code == 2
    assert recorded == []
