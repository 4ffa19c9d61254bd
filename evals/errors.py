"""Errors users can act on: what is wrong, where (file, line, field), and how to fix it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR_RATE = 1  # the run finished, but its error rate passed the threshold
EXIT_BAD_INPUT = 2  # bad task, config, dataset or arguments: nothing was run


class InputError(Exception):
    """Bad input: a task, config, dataset row or argument. Rendered as one line; exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.fix = fix

    def located(
        self, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> InputError:
        """Fill in where the error happened, keeping what is already known."""
        self.file = self.file or file
        self.line = self.line or line
        self.field = self.field or field
        return self

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        what = f"{self.field}: " if self.field else ""
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}{what}{self.message}{fix}"


class MediaError(Exception):
    """A sample's media could not be read or decoded: a per-sample error, the run goes on."""
