"""Runs scim2-tester (python-scim's RFC 7643/7644 checker) against one connection of the bridge.

scim2-tester reads the discovery endpoints (ServiceProviderConfig, ResourceTypes, Schemas), builds
resource models from them, then creates, reads, queries, replaces, patches and deletes resources
of every advertised type with random values. Each ``CheckResult`` becomes one item:

- SUCCESS, COMPLIANT and ACCEPTABLE are passes (MUST / SHOULD / MAY followed);
- ERROR and CRITICAL are failures (a MUST violated, or a security problem);
- DEVIATION (a SHOULD not followed) is a failure too, so that it shows up: list it in
  expected-failures.txt if the bridge deviates on purpose;
- SKIPPED (a prerequisite missing, e.g. the feature is not advertised) is reported as skipped.

scim2-tester fills resources with random values, and which of them it picks (an e-mail's
``type``, booleans, enumerations) decides whether the bridge accepts a create, and so which checks
run after it. The ``random`` module is therefore seeded (``--seed``, default 0) and run.sh fixes
``PYTHONHASHSEED``, so that a run checks the same items every time; the values that stay random
(UUIDs) do not change the outcome.
"""

from __future__ import annotations

import collections
import random
import sys
import traceback

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from common import (FAILED, HTTP_TIMEOUT, PASSED, SKIPPED, ItemResult, ResultWriter,
                    base_arguments, short)

SUITE = "scim2-tester"

STATUS_MAP = {
    Status.SUCCESS: PASSED,
    Status.COMPLIANT: PASSED,
    Status.ACCEPTABLE: PASSED,
    Status.DEVIATION: FAILED,
    Status.ERROR: FAILED,
    Status.CRITICAL: FAILED,
    Status.SKIPPED: SKIPPED,
}


def item_name(result) -> str:
    """``User: check_object_creation`` for resource checks, the bare title for the others."""
    title = result.title or "untitled check"
    return f"{result.resource_type}: {title}" if result.resource_type else title


def category(result) -> str:
    """Groups for checks on a Group resource, Discovery for the discovery endpoints, else Users."""
    if result.resource_type == "Group":
        return "Groups"
    if result.resource_type is None and "discovery" in (result.tags or set()):
        return "Discovery"
    return "Users"


def main() -> int:
    """Runs every scim2-tester check and records one item per check result."""
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random values scim2-tester fills resources with")
    args = parser.parse_args()
    random.seed(args.seed)
    writer = ResultWriter(args.results, SUITE, args.connection)
    print(f"scim2-tester against {args.base_url}")

    # scim2-client joins endpoints onto the base URL, which therefore needs its trailing slash.
    http = httpx2.Client(
        base_url=args.base_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {args.token}"},
        timeout=HTTP_TIMEOUT,
    )
    client = SyncSCIMClient(http)
    try:
        results = check_server(client)
    except Exception as exc:  # scim2-tester stores errors in results; anything else is a crash
        traceback.print_exc()
        writer.add(ItemResult(SUITE, args.connection, "check_server", FAILED, "Users", True,
                              f"scim2-tester crashed: {short(exc)}"))
        writer.print_counts()
        return 2

    # Checks such as the PATCH ones run once per attribute under the same title: keep them apart
    # by numbering, in the (deterministic) order scim2-tester runs them.
    ordered = collections.OrderedDict()
    for result in results:
        ordered.setdefault(item_name(result), []).append(result)
    for name, group in ordered.items():
        for index, result in enumerate(group, start=1):
            label = name if len(group) == 1 else f"{name} ({index})"
            status = STATUS_MAP.get(result.status, FAILED)
            reason = short(result.reason or "", 400)
            if result.status == Status.DEVIATION:
                reason = f"deviation from a SHOULD: {reason}"
            details = []
            if status == FAILED and result.data is not None and not result.reason:
                details.append(f"data: {short(result.data, 400)}")
            writer.add(ItemResult(SUITE, args.connection, label, status, category(result),
                                  True, reason, details))
    writer.print_counts()
    return 0


if __name__ == "__main__":
    sys.exit(main())
