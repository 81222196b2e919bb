"""The one error type the offline renderer raises for a problem in a document."""
from __future__ import annotations


class RenderError(Exception):
    """A problem a document author can fix: names the file, line and construct."""

    def __init__(self, file: str, line: int | None, construct: str, message: str):
        self.file, self.line, self.construct, self.message = file, line, construct, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {construct}: {message}")
