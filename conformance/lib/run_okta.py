"""Runs Okta's "SCIM 2.0 SPEC Test" (a Runscope/BlazeMeter API-test export) against one connection.

The export is a list of steps. A ``request`` step has a method, a URL, headers and a body, all
templates with ``{{variable}}`` placeholders; ``assertions`` on the response (status code, JSON
properties, response time); and ``variables`` extracted from the response for later steps. A
``pause`` step waits (Okta's hosted runner pauses between requests; the bridge answers
synchronously, so pauses are skipped unless ``--pause-scale`` says otherwise).

The initial variables, which Okta's hosted test asks for in a form, are set here: ``SCIMBaseURL``
and ``auth`` from the arguments, and fresh random users, e-mails and ids for the rest. The test
expects one user to exist before it starts: ``--seed-user`` creates one through the SCIM API first.

Each request step is one item named by its ``note`` (``Required Test: …`` / ``Optional Test: …``).
Okta's optional steps are not required, except the one on ``/Groups`` (this bridge serves
Groups). A step with a non-empty JavaScript ``script`` cannot be fully checked here: if its
assertions pass it is reported as ``unsupported`` (never as a pass). The one exception is the
Groups step's script, whose few statements are interpreted (see ``_groups_script``).
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from typing import Any

import requests

from common import (FAILED, HTTP_TIMEOUT, PASSED, UNSUPPORTED, ItemResult, ResultWriter,
                    base_arguments, short)

SUITE = "okta"

_MISSING = object()
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def initial_variables(base_url: str, token: str) -> dict[str, str]:
    """The variables Okta's runner is configured with, with fresh random values for this run."""
    tag = uuid.uuid4().hex[:10]
    username = f"runscope{tag}@atko.com"
    return {
        "SCIMBaseURL": base_url.rstrip("/"),
        "auth": f"Bearer {token}",
        "randomUsername": username,
        "randomUsernameCaps": username.upper(),
        "randomEmail": f"runscope{tag}@atko.com",
        "randomGivenName": f"Given{tag}",
        "randomFamilyName": f"Family{tag}",
        "InvalidUserEmail": f"invalid-{uuid.uuid4().hex[:10]}@example.com",
        "UserIdThatDoesNotExist": f"010101001010101010{uuid.uuid4().hex[:8]}",
    }


def substitute(template: str, variables: dict[str, str], unresolved: set[str]) -> str:
    """Replaces ``{{name}}`` placeholders; unknown names stay as they are and are reported."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in variables:
            return str(variables[name])
        unresolved.add(name)
        return match.group(0)

    return _VARIABLE.sub(replace, template)


def json_property(document: Any, path: str) -> Any:
    """Reads ``Resources[0].name.familyName`` from a JSON document (``_MISSING`` if absent)."""
    value = document
    for name, index in _PATH_TOKEN.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                return _MISSING
            value = value[name]
        else:
            position = int(index)
            if not isinstance(value, list) or position >= len(value):
                return _MISSING
            value = value[position]
    return value


def as_text(value: Any) -> str:
    """A value as Runscope compares it: JSON scalars as they are written, structures as JSON."""
    if value is _MISSING:
        return ""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def as_number(value: Any) -> float | None:
    """A number, or None when the value does not read as one."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def compare(comparison: str, actual: Any, expected: str | None) -> tuple[bool, str] | None:
    """Applies one Runscope comparison; returns (ok, explanation), or None if it is unknown."""
    shown = "absent" if actual is _MISSING else short(as_text(actual), 120)
    empty = actual is _MISSING or actual is None or actual in ("", [], {})
    if comparison == "equal":
        return as_text(actual) == expected, f"got {shown}, expected {expected!r}"
    if comparison == "not_equal":
        return as_text(actual) != expected, f"got {shown}, expected anything but {expected!r}"
    if comparison in ("equal_number", "is_less_than", "is_less_than_or_equal", "is_greater_than",
                      "is_greater_than_or_equal"):
        got, want = as_number(actual), as_number(expected)
        if got is None or want is None:
            return False, f"got {shown}, expected a number to compare with {expected!r}"
        ok = {
            "equal_number": got == want,
            "is_less_than": got < want,
            "is_less_than_or_equal": got <= want,
            "is_greater_than": got > want,
            "is_greater_than_or_equal": got >= want,
        }[comparison]
        return ok, f"got {shown}, expected {comparison.replace('_', ' ')} {expected}"
    if comparison == "not_empty":
        return not empty, f"got {shown}, expected a non-empty value"
    if comparison == "empty":
        return empty, f"got {shown}, expected an empty value"
    if comparison == "is_a_number":
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        return ok, f"got {shown}, expected a JSON number"
    if comparison == "is_null":
        return actual is None, f"got {shown}, expected null"
    if comparison == "has_key":
        return isinstance(actual, dict) and expected in actual, f"got {shown}, expected key {expected!r}"
    if comparison == "has_value":
        ok = isinstance(actual, list) and any(as_text(v) == expected for v in actual)
        return ok, f"got {shown}, expected an array holding {expected!r}"
    if comparison in ("contains", "does_not_contain"):
        if isinstance(actual, list):
            found = any(as_text(v) == expected for v in actual)
        else:
            found = expected is not None and expected in as_text(actual)
        ok = found if comparison == "contains" else not found
        verb = "containing" if comparison == "contains" else "not containing"
        return ok, f"got {shown}, expected a value {verb} {expected!r}"
    return None


class OktaRunner:
    """Interprets the steps of the export against one base URL."""

    def __init__(self, spec: dict, variables: dict[str, str], writer: ResultWriter,
                 pause_scale: float):
        self.spec = spec
        self.variables = variables
        self.writer = writer
        self.pause_scale = pause_scale
        self.session = requests.Session()
        self.paused = 0.0
        self.skipped_pause = 0.0

    def run(self) -> None:
        """Runs every step in order."""
        for step in self.spec.get("steps", []):
            if step.get("skipped"):
                continue
            kind = step.get("step_type")
            if kind == "pause":
                duration = float(step.get("duration", 0)) * self.pause_scale
                self.skipped_pause += float(step.get("duration", 0)) - duration
                if duration > 0:
                    time.sleep(duration)
                    self.paused += duration
            elif kind == "request":
                self.writer.add(self.request_step(step))
            else:
                name = self.writer.unique_name(step.get("note") or f"{kind} step")
                self.writer.add(ItemResult(SUITE, self.writer.connection, name, UNSUPPORTED,
                                           reason=f"step type {kind!r} is not interpreted"))

    def request_step(self, step: dict) -> ItemResult:
        """Sends one request step, checks its assertions and extracts its variables."""
        name = self.writer.unique_name((step.get("note") or step.get("url", "")).strip())
        unresolved: set[str] = set()
        method = step.get("method", "GET")
        url = substitute(step.get("url", ""), self.variables, unresolved)
        headers = {key: substitute(", ".join(values), self.variables, unresolved)
                   for key, values in (step.get("headers") or {}).items()}
        body = step.get("body")
        data = substitute(body, self.variables, unresolved).encode() if body else None
        is_groups = "/Groups" in step.get("url", "")
        # The Groups step is "Optional" for Okta (a server may serve no Groups); this bridge
        # serves them, so it must pass.
        required = is_groups or not name.startswith("Optional")
        category = "Groups" if is_groups else "Users"
        result = ItemResult(SUITE, self.writer.connection, name, PASSED, category, required)
        result.details.append(f"{method} {url}")

        started = time.monotonic()
        try:
            response = self.session.request(method, url, headers=headers, data=data,
                                            timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            result.status, result.reason = FAILED, f"request failed: {short(exc)}"
            return result
        elapsed_ms = (time.monotonic() - started) * 1000
        try:
            document = response.json()
        except ValueError:
            document = _MISSING

        failures, unknown = [], []
        for assertion in step.get("assertions", []):
            outcome = self.assertion(assertion, response, document, elapsed_ms, unresolved)
            label = f"{assertion.get('source')} {assertion.get('property') or ''}".strip()
            if outcome is None:
                unknown.append(f"{label}: comparison {assertion.get('comparison')!r} not interpreted")
            elif not outcome[0]:
                failures.append(f"{label}: {outcome[1]}")
        for variable in step.get("variables", []):
            self.extract(variable, response, document)

        scripts = [s for s in (step.get("scripts") or []) + (step.get("before_scripts") or [])
                   if s and s.strip()]
        for script in [s for s in scripts if _is_groups_script(s)]:
            scripts.remove(script)
            problem = _groups_script(document)
            if problem:
                failures.append(f"script: {problem}")
        if unresolved:
            result.details.append(f"unresolved variables: {', '.join(sorted(unresolved))}")
        result.details.append(f"-> HTTP {response.status_code}: {short(response.text, 200)}")
        if failures:
            result.status = FAILED
            result.reason = "; ".join(failures)
        elif unknown or scripts:
            result.status = UNSUPPORTED
            result.reason = "; ".join(unknown + (["a JavaScript script was not run"] if scripts else []))
        return result

    def assertion(self, assertion: dict, response: requests.Response, document: Any,
                  elapsed_ms: float, unresolved: set[str]) -> tuple[bool, str] | None:
        """Evaluates one assertion (None when its source or comparison is not interpreted)."""
        source = assertion.get("source")
        expected = assertion.get("value")
        if isinstance(expected, str):
            expected = substitute(expected, self.variables, unresolved)
        if source == "response_status":
            actual: Any = response.status_code
        elif source == "response_time":
            actual = round(elapsed_ms)
        elif source == "response_json":
            if document is _MISSING:
                return False, f"response is not JSON: {short(response.text, 120)}"
            prop = assertion.get("property") or ""
            actual = json_property(document, prop) if prop else document
        elif source == "response_headers":
            actual = response.headers.get(assertion.get("property") or "", _MISSING)
        elif source == "response_text":
            actual = response.text
        else:
            return None
        return compare(assertion.get("comparison", ""), actual, expected)

    def extract(self, variable: dict, response: requests.Response, document: Any) -> None:
        """Stores a variable taken from the response (left unset when the value is absent)."""
        source, name = variable.get("source"), variable.get("name")
        value: Any = _MISSING
        if source == "response_json" and document is not _MISSING:
            value = json_property(document, variable.get("property") or "")
        elif source == "response_headers":
            value = response.headers.get(variable.get("property") or "", _MISSING)
        elif source == "response_status":
            value = response.status_code
        if name and value is not _MISSING:
            self.variables[name] = as_text(value) if not isinstance(value, str) else value


def seed_user(base_url: str, token: str) -> str:
    """Creates the user Okta's test expects to exist before it starts; returns its id."""
    tag = uuid.uuid4().hex[:8]
    email = f"okta.seed.{tag}@example.com"
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Seed", "familyName": f"User{tag}"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
    }
    response = requests.post(f"{base_url.rstrip('/')}/Users", json=body, timeout=HTTP_TIMEOUT,
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/scim+json"})
    if response.status_code not in (200, 201):
        raise RuntimeError(f"seeding a user failed: HTTP {response.status_code} {short(response.text)}")
    return response.json().get("id", "")

def _is_groups_script(script: str) -> bool:
    """Whether ``script`` is the Groups step's: it reads ``totalResults`` and ``Resources``."""
    text = " ".join(script.split())
    return ("nogroups" in text and "data.totalResults" in text
            and "Array.isArray(res)" in text)


def _groups_script(document: Any) -> str | None:
    """The Groups step's script, interpreted: ``JSON.parse(response.body)`` must succeed (an
    error there fails the script); with ``totalResults`` 0 it asserts a truthy string (passes);
    with one or more, ``Resources`` must be an array. Returns what failed, or None."""
    if document is _MISSING or not isinstance(document, dict):
        return "the body is not a JSON object (JSON.parse fails)"
    total = document.get("totalResults")
    if isinstance(total, int) and total >= 1 and not isinstance(document.get("Resources"), list):
        return "totalResults >= 1 but Resources is not an array"
    return None


def main() -> int:
    """Parses the arguments, seeds the pre-existing user and runs the export."""
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="path to okta_spec.json")
    parser.add_argument("--pause-scale", type=float, default=0.0,
                        help="fraction of each pause step to wait (default 0: no pauses)")
    parser.add_argument("--no-seed-user", dest="seed_user", action="store_false",
                        help="do not create the pre-existing user first")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as handle:
        spec = json.load(handle)
    print(f"{spec.get('name', 'Okta spec test')} against {args.base_url}")
    if args.seed_user:
        try:
            print(f"  seeded user {seed_user(args.base_url, args.token)}")
        except (requests.RequestException, RuntimeError, ValueError) as exc:
            print(f"  cannot run: {exc}", file=sys.stderr)
            return 2
    writer = ResultWriter(args.results, SUITE, args.connection)
    runner = OktaRunner(spec, initial_variables(args.base_url, args.token), writer, args.pause_scale)
    runner.run()
    if runner.skipped_pause:
        print(f"  (skipped {runner.skipped_pause:.0f}s of pause steps; --pause-scale 1 waits them)")
    writer.print_counts()
    return 0


if __name__ == "__main__":
    sys.exit(main())

