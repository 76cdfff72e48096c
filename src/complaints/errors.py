"""Errors a user can act on: each names the file, the table and the line or cell."""

from __future__ import annotations


class InputError(Exception):
    """Bad input. The message names where the problem is and what to do about it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        table: str | None = None,
        line: int | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.table = table
        self.line = line
        self.row = row  # a spreadsheet's row (the header is row 1) and column heading
        self.column = column
        self.reason = message
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.table:
            where.append(f"table {self.table}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f'column "{self.column}"')
        text = (", ".join(where) + ": " if where else "") + self.reason
        if self.hint:
            text += f" ({self.hint})"
        return text
