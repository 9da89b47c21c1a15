"""Summarizes the conformance results and decides whether the run passes.

Reads the JSON-lines results the runners wrote and ``expected-failures.txt``, prints
``N passed, M failed, U unsupported`` per suite and connection and a total, then checks the
required items:

- a required item that failed (or is unsupported) and is not listed is an UNEXPECTED FAILURE;
- a listed item that now passes is NOW PASSING (or NO LONGER FAILING when it was skipped or
  asserted nothing): remove it from the list;
- a listed item that no run produced is UNKNOWN: the name is wrong or the item is gone
  (only checked for the suites and connections that ran to the end, so a partial run does not
  trip it);
- a runner that crashed (``--crashed suite:connection``) fails the run.

Items that are not required (Okta's optional steps, the reference server's /Token) are
counted but never fail the run; listing them is an error, so the list holds required items only.
Skipped and unchecked (no assertion) items are neither passes nor failures.
Exit status: 0 when nothing above happened, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys

from common import FAILED, PASSED, STATUSES, UNSUPPORTED, ItemResult, format_counts


def read_results(path: str) -> list[ItemResult]:
    """The results in the JSON-lines file (empty when no runner wrote any)."""
    results = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    results.append(ItemResult(**json.loads(line)))
    except FileNotFoundError:
        pass
    return results


def read_expected(path: str) -> list[tuple[int, str]]:
    """The ``suite:connection:item`` lines of expected-failures.txt, with their line numbers."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n").strip()
            if line and not line.startswith("#"):
                entries.append((number, line))
    return entries


def main() -> int:
    """Prints the summary and returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--expected", required=True, help="expected-failures.txt")
    parser.add_argument("--crashed", action="append", default=[],
                        help="suite:connection whose runner failed (repeatable)")
    parser.add_argument("--print-failures", action="store_true",
                        help="also print every required failure as a ready-to-paste list entry")
    args = parser.parse_args()

    results = read_results(args.results)
    expected = read_expected(args.expected)
    by_key = {r.key: r for r in results}
    listed = {line for _, line in expected}
    ran = {(r.suite, r.connection) for r in results}

    def failing(r: ItemResult) -> bool:
        return r.status in (FAILED, UNSUPPORTED)

    print("\n==> conformance summary (per suite and connection: all items | required ones)")
    runs: dict[tuple[str, str], list[ItemResult]] = collections.defaultdict(list)
    for r in results:
        runs[(r.suite, r.connection)].append(r)
    suites: dict[str, list[ItemResult]] = collections.defaultdict(list)
    for (suite, connection), items in runs.items():
        suites[suite].extend(items)
        print(f"{suite + '/' + connection:<22} {_line(items, listed, failing)}")
    for suite, items in suites.items():
        print(f"{suite + ' (all)':<22} {_line(items, listed, failing)}")
    print(f"{'TOTAL':<22} {_line(results, listed, failing)}")

    unexpected = [r for r in results if r.required and failing(r) and r.key not in listed]
    expected_failing = [r for r in results if r.required and failing(r) and r.key in listed]
    now_passing = [(n, line, by_key[line].status) for n, line in expected
                   if line in by_key and by_key[line].required and not failing(by_key[line])]
    not_required = [(n, line) for n, line in expected if line in by_key and not by_key[line].required]
    crashed = {tuple(c.split(":", 1)) for c in args.crashed}
    unknown = [(n, line) for n, line in expected if line not in by_key
               and tuple(line.split(":", 2)[:2]) in ran - crashed]

    print(f"\nrequired items: {sum(1 for r in results if r.required)}, "
          f"failing as expected: {len(expected_failing)}, unexpected failures: {len(unexpected)}, "
          f"now passing: {len(now_passing)}")
    problems = 0
    for r in unexpected:
        problems += 1
        print(f"UNEXPECTED {r.status.upper()}: {r.key}" + (f" -- {r.reason}" if r.reason else ""))
    for number, line, status in now_passing:
        problems += 1
        what = "NOW PASSING" if status == PASSED else f"NO LONGER FAILING ({status})"
        print(f"{what}, remove from the list (expected-failures.txt line {number}): {line}")
    for number, line in not_required:
        problems += 1
        print(f"NOT REQUIRED, remove from the list (expected-failures.txt line {number}): {line}")
    for number, line in unknown:
        problems += 1
        print(f"UNKNOWN ITEM in expected-failures.txt line {number}: {line}")
    for crashed in args.crashed:
        problems += 1
        print(f"RUNNER FAILED: {crashed} (see its output above)")
    if args.print_failures:
        print("\n# every required item that did not pass, in expected-failures.txt form:")
        for r in results:
            if r.required and failing(r):
                print(r.key)
    print(f"\nconformance: {'FAILED' if problems else 'passed'} "
          f"({problems} problem{'s' if problems != 1 else ''})")
    return 1 if problems else 0


def _line(items: list[ItemResult], listed: set[str], failing) -> str:
    """``29 passed, 44 failed, … | required: 29 passed, 19 failed (19 expected) | …``."""
    counts = collections.Counter(r.status for r in items)
    text = format_counts({status: counts.get(status, 0) for status in STATUSES})
    required = [r for r in items if r.required]
    failed = [r for r in required if failing(r)]
    expected = sum(1 for r in failed if r.key in listed)
    text += (f" | required: {sum(1 for r in required if r.status == PASSED)} passed, "
             f"{len(failed)} failed ({expected} expected)")
    optional = [r for r in items if not r.required]
    if optional:
        text += (f" | not required: {sum(1 for r in optional if r.status == PASSED)} of "
                 f"{len(optional)} passed")
    return text


if __name__ == "__main__":
    sys.exit(main())
