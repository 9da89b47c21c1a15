"""Shared pieces of the conformance runners: the result record and the JSON-lines output.

Every runner (scim2-tester, Okta's Runscope export, Entra's Postman collection) writes one JSON
object per checked item to a results file; ``summarize.py`` reads them all, applies
``expected-failures.txt`` and decides the exit code. Keeping the record small and flat keeps the
runners independent of each other and of the summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

# The statuses an item can end in. Only "passed" is a pass; "unsupported" means the runner could
# not interpret the check (never counted as a pass), "skipped" means it was deliberately not run,
# "unchecked" means the vendor's item sends a request but asserts nothing.
PASSED = "passed"
FAILED = "failed"
UNSUPPORTED = "unsupported"
SKIPPED = "skipped"
UNCHECKED = "unchecked"
STATUSES = (PASSED, FAILED, UNSUPPORTED, SKIPPED, UNCHECKED)

# How long one HTTP request may take before it counts as a failure (seconds).
HTTP_TIMEOUT = 15


@dataclass
class ItemResult:
    """The outcome of one vendor check against one connection.

    ``item`` is the stable name used in ``expected-failures.txt`` (together with ``suite`` and
    ``connection``); ``required`` is False for checks that may fail without failing the run
    (checks the vendor itself marks optional, and the reference server's ``/Token``).
    """

    suite: str
    connection: str
    item: str
    status: str
    category: str = "Users"
    required: bool = True
    reason: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The name of this item in ``expected-failures.txt``: ``suite:connection:item``."""
        return f"{self.suite}:{self.connection}:{self.item}"


class ResultWriter:
    """Collects item results, echoes one line per item and appends each to a JSON-lines file.

    Each result is written as soon as it is known, so a runner stopped by run.sh's timeout still
    leaves the items it got through.
    """

    def __init__(self, path: str, suite: str, connection: str, echo: TextIO = sys.stdout):
        self.path = path
        self.suite = suite
        self.connection = connection
        self.echo = echo
        self.results: list[ItemResult] = []
        self._seen: dict[str, int] = {}

    def unique_name(self, name: str) -> str:
        """Returns ``name``, or ``name (2)``, ``name (3)``… when the suite reuses an item name."""
        count = self._seen.get(name, 0) + 1
        self._seen[name] = count
        return name if count == 1 else f"{name} ({count})"

    def add(self, result: ItemResult) -> None:
        """Records, writes and prints one result."""
        self.results.append(result)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")
        optional = "" if result.required else " (optional)"
        line = f"  [{result.status.upper():>11}] {result.item}{optional}"
        if result.reason and result.status != PASSED:
            line += f" -- {result.reason}"
        print(line, file=self.echo)
        if result.required and result.status in (FAILED, UNSUPPORTED):
            for detail in result.details:
                print(f"                {detail}", file=self.echo)
        self.echo.flush()

    def counts(self) -> dict[str, int]:
        """Number of items per status."""
        counts = {status: 0 for status in STATUSES}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def print_counts(self) -> None:
        """Prints the ``N passed, M failed`` line of this suite and connection."""
        print(f"  {self.suite}/{self.connection}: {format_counts(self.counts())}", file=self.echo)


def format_counts(counts: dict[str, int]) -> str:
    """``3 passed, 1 failed, 0 unsupported`` plus skipped/unchecked when there are any."""
    text = f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[UNSUPPORTED]} unsupported"
    for extra in (SKIPPED, UNCHECKED):
        if counts.get(extra):
            text += f", {counts[extra]} {extra}"
    return text


def base_arguments(description: str) -> argparse.ArgumentParser:
    """The command-line arguments every runner takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--base-url", required=True,
                        help="SCIM base URL of one connection, e.g. http://127.0.0.1:8080/scim/v2/contacts")
    parser.add_argument("--token", required=True, help="bearer token the bridge accepts")
    parser.add_argument("--connection", required=True, help="connection name, used in item keys")
    parser.add_argument("--results", required=True, help="JSON-lines file to append results to")
    return parser


def short(text: Any, limit: int = 300) -> str:
    """A one-line excerpt of a response body or value for failure reasons."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
