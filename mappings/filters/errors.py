"""Errors that point at the part of a filter text that is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a filter: a message and where it is (0-based offset into the text)."""

    message: str
    position: int = 0
    length: int = 1
    field: str | None = None


class FilterError(ValueError):
    """A filter that cannot be parsed or does not fit the catalogue.

    ``problems`` holds every problem found (validation collects them all so a form can show each
    one); ``text`` is the filter as the user wrote it, so ``line``/``column`` can be computed.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], text: str = "") -> None:
        self.problems = tuple(problems)
        self.text = text
        super().__init__(self.describe())

    @classmethod
    def at(cls, message: str, text: str, position: int, length: int = 1,
           field: str | None = None) -> FilterError:
        """A single-problem error."""
        return cls([Problem(message, position, length, field)], text)

    def line_and_column(self, problem: Problem) -> tuple[int, int]:
        """1-based line and column of a problem inside ``text``."""
        before = self.text[: problem.position]
        line = before.count("\n") + 1
        column = problem.position - (before.rfind("\n") + 1) + 1
        return line, column

    def describe(self) -> str:
        """Every problem as 'line L, column C: message', one per line."""
        return "\n".join(self._describe_one(problem) for problem in self.problems)

    def _describe_one(self, problem: Problem) -> str:
        if not self.text:  # rows (Dataverse conditions) carry their location in the message
            return problem.message
        line, column = self.line_and_column(problem)
        where = f"column {column}" if "\n" not in self.text else f"line {line}, column {column}"
        return f"{where}: {problem.message}"

    def pointer(self, problem: Problem | None = None) -> str:
        """The offending line with a caret marker under the bad part (for monospace help text)."""
        problem = problem or self.problems[0]
        line_no, column = self.line_and_column(problem)
        line = self.text.split("\n")[line_no - 1] if self.text else ""
        marker = " " * (column - 1) + "^" * max(1, min(problem.length, len(line) - column + 1))
        return f"{line}\n{marker}"
