"""User errors and warnings: the one place they are defined, each carrying where it happened."""

from __future__ import annotations

import enum
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("lofi_build")


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1  # content or config error: the user can fix their files
    USAGE = 2  # bad command line


def display_path(path: str | os.PathLike | None) -> str:
    """A path as the user should read it: relative to the working directory when inside it."""
    if path is None:
        return ""
    p = Path(path)
    try:
        return str(p.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@dataclass(frozen=True)
class Diagnostic:
    """One message tied to a place: ``PATH:LINE:COL: severity: message``."""

    message: str
    path: str | os.PathLike | None = None
    line: int | None = None
    col: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = display_path(self.path)
        if where and self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity}: {self.message}"


class LofiError(Exception):
    """An error in the user's files or settings; the CLI prints it and exits 1."""

    def __init__(self, message: str, path=None, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.diagnostics = [Diagnostic(message, path, line, col)]

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def path(self):
        return self.diagnostics[0].path

    @property
    def line(self):
        return self.diagnostics[0].line

    @property
    def col(self):
        return self.diagnostics[0].col

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class ConfigError(LofiError):
    """lofi.yaml is wrong."""


class ContentError(LofiError):
    """A file under content/ (a score, the samples manifest, a MIDI file) is wrong."""


class ModelError(LofiError):
    """The model cannot be trained, loaded or run as configured."""


class BakeError(LofiError):
    """A sample cannot be (re)baked: a tool, soundfont or bake setting is missing or wrong."""


class ErrorGroup(LofiError):
    """Several errors found in one pass, reported together."""

    def __init__(self, errors: list[LofiError]):
        Exception.__init__(self, f"{len(errors)} errors")
        self.diagnostics = [d for e in errors for d in e.diagnostics]


class Collector:
    """Gathers every error of a pass so the user sees them all at once, not one per run."""

    def __init__(self):
        self.errors: list[LofiError] = []

    def add(self, error: LofiError) -> None:
        self.errors.append(error)

    def error(self, message: str, path=None, line=None, col=None, cls=LofiError) -> None:
        self.errors.append(cls(message, path, line, col))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ErrorGroup(self.errors)


def warn(message: str, path=None, line: int | None = None, col: int | None = None) -> Diagnostic:
    """Log a warning in the same ``PATH:LINE:COL:`` form as errors, and return it."""
    diagnostic = Diagnostic(message, path, line, col, severity="warning")
    log.warning("%s", diagnostic)
    return diagnostic
