"""The README's production notes, read as the scale-out test and benchmark run them.

The README is the one place the production commands live: the test runs its lines (the web
server, the worker) instead of a copy that could drift from what people are told to type. Only
the machine-specific parts change: the interpreter, the bound port, the database and the Redis.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COMMANDS_MARK = "<!-- production-commands"
SETTINGS_MARK = "<!-- production-settings"


@dataclass(frozen=True)
class ProductionNotes:
    """What the README tells an operator to run and set."""

    web: list[str]
    worker: list[str]
    settings: dict[str, str]
    exported: dict[str, str]


def _block_after(text: str, mark: str) -> list[str]:
    """The lines of the fenced block that follows ``mark``, comments stripped."""
    start = text.index(mark)
    fence = text.index("```", start)
    body = text[text.index("\n", fence) + 1:text.index("```", fence + 3)]
    lines = [line.split("  #", 1)[0].split(" # ", 1)[0].strip() for line in body.splitlines()]
    return [line for line in lines if line]


def read(readme: Path = README) -> ProductionNotes:
    """Parse the production commands and settings blocks of the README."""
    text = readme.read_text()
    commands = _block_after(text, COMMANDS_MARK)
    web = next(shlex.split(line) for line in commands if line.startswith("gunicorn "))
    worker = next(shlex.split(line) for line in commands if " rqworker " in line)
    exported = dict(line.removeprefix("export ").split("=", 1)
                    for line in commands if line.startswith("export "))
    settings = dict(pair.split("=", 1) for line in _block_after(text, SETTINGS_MARK)
                    for pair in shlex.split(line))
    return ProductionNotes(web, worker, settings, exported)


def web_command(notes: ProductionNotes, port: int) -> list[str]:
    """The README's gunicorn line, run by this interpreter and bound to ``port``."""
    command = [sys.executable, "-m", *notes.web]
    at = command.index("--bind")
    command[at + 1] = re.sub(r":\d+$", f":{port}", command[at + 1])
    return command


def worker_command(notes: ProductionNotes, name: str) -> list[str]:
    """The README's worker line, run by this interpreter, with a name to find it by in Redis."""
    python, *rest = notes.worker
    assert python == "python", f"the README's worker line starts with {python!r}"
    return [sys.executable, *rest[:2], "--name", name, *rest[2:]]
