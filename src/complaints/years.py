"""Reporting years (April to March), validated once at the edge."""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class ReportingYear:
    """A financial reporting year such as 2022-23 (1 April 2022 to 31 March 2023)."""

    start: int

    @classmethod
    def parse(cls, text: str) -> ReportingYear:
        """Parse ``"2022-23"``; anything else raises ``ValueError`` saying what is expected."""
        match = _YEAR.match(str(text).strip())
        if not match:
            raise ValueError(
                f"reporting year {text!r} is malformed: expected the form YYYY-YY, e.g. 2022-23"
            )
        start, end = int(match.group(1)), int(match.group(2))
        if (start + 1) % 100 != end:
            raise ValueError(
                f"reporting year {text!r} is malformed: the second part must be the year after "
                f"the first, e.g. {start}-{(start + 1) % 100:02d}"
            )
        return cls(start)

    @classmethod
    def from_label(cls, text: str) -> ReportingYear:
        """Lenient parse for labels printed in a source: ``2022-23``, ``2022/23``, ``2022- 23``."""
        compact = re.sub(r"\s+", "", str(text)).replace("/", "-")
        return cls.parse(compact)

    def previous(self, n: int = 1) -> ReportingYear:
        """The year ``n`` years before this one."""
        return ReportingYear(self.start - n)

    def __str__(self) -> str:
        return f"{self.start}-{(self.start + 1) % 100:02d}"
