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
        # ``row`` and ``column``: a spreadsheet's row (the header is row 1) and column heading.
        self.file, self.table, self.line, self.row, self.column = file, table, line, row, column
        self.reason, self.hint = message, hint
        where = ", ".join(
            text
            for text, given in (
                (str(file), file),
                (f"table {table}", table),
                (f"line {line}", line is not None),
                (f"row {row}", row is not None),
                (f'column "{column}"', column),
            )
            if given
        )
        text = f"{where}: {message}" if where else message
        super().__init__(f"{text} ({hint})" if hint else text)
