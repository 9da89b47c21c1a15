"""Runs Microsoft's Entra ID SCIM Postman collection (collection format v2.x) against one connection.

Each request item is sent in collection order with its ``{{variables}}`` resolved (``Protocol``,
``Server``, ``Port`` and ``Api`` describe the base URL, ``token`` is the bearer token; the others
are set by earlier items' scripts). Its ``test`` script is then interpreted. Postman runs these
scripts in JavaScript; this runner understands the handful of statement forms the collection
uses, and reports anything else as ``unsupported`` rather than guessing:

- ``pm.test("name", function () { ... });`` -- one named test, run in order;
- ``pm.response.to.have.status(N)``;
- ``pm.expect(EXPR).to[.not].eql|equal|include(EXPR)``;
- ``var x = EXPR;`` and ``pm.environment.set("k", EXPR)`` / ``postman.setEnvironmentVariable``;
- EXPR: ``pm.response.json()``, ``JSON.parse(responseBody)``, ``pm.response.text()``,
  ``responseBody``, ``pm.response.code``, ``pm.environment.get("k")``, property paths
  (``jsonData.Resources[0].endpoint``) and JSON literals.

As in Postman, an error outside a ``pm.test`` (a body that is not JSON, a property read on
``undefined``) stops the script, and an error inside one fails that test only.

An item passes when all its tests pass, fails when one fails or its script errors, is
``unsupported`` when a statement cannot be interpreted (and nothing failed), and ``unchecked``
when it has no test at all. Every item is required (Users, Groups and discovery) except the
reference server's ``/Token``. The collection's ``Get Token`` item is
skipped: the bridge authenticates with a static bearer token, given as ``--token``.

``${__UUID}`` in bodies (a JMeter function the collection's authors left in its externalIds) is
replaced by a fresh UUID per request, as the authors meant, so each user gets its own externalId.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from common import (FAILED, HTTP_TIMEOUT, PASSED, SKIPPED, UNCHECKED, UNSUPPORTED, ItemResult,
                    ResultWriter, base_arguments, short)

SUITE = "entra"

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")


class Undefined:
    """JavaScript's ``undefined`` (distinct from JSON ``null``, which is Python's None)."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()


class ScriptError(Exception):
    """A JavaScript runtime error: the script (or the current pm.test) stops."""


class AssertionFailed(Exception):
    """A failed ``pm.expect`` or ``pm.response.to.have.status``."""


class Unsupported(Exception):
    """A statement or expression this interpreter does not understand."""


# --- splitting JavaScript source into statements -------------------------------------------------

def split_statements(source: str) -> list[str]:
    """Splits source into top-level statements (at ``;`` or a newline outside brackets).

    Strings and comments are respected, so a ``;`` inside ``"..."`` or a ``}`` in a comment does
    not end anything. Enough for the straight-line scripts Postman collections hold.
    """
    statements, current, depth, i = [], [], 0, 0
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            end = _string_end(source, i)
            current.append(source[i:end])
            i = end
            continue
        if source.startswith("//", i):
            i = source.find("\n", i) if "\n" in source[i:] else len(source)
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = len(source) if end < 0 else end + 2
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth == 0 and char in ";\n":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def _string_end(source: str, start: int) -> int:
    """Index just past the string literal that starts at ``start``."""
    quote, i = source[start], start + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == quote:
            return i + 1
        i += 1
    raise Unsupported(f"unterminated string literal at {short(source[start:], 40)}")


def matching_paren(source: str, start: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``start``."""
    depth, i = 0, start
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            i = _string_end(source, i)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise Unsupported(f"unbalanced brackets in {short(source, 60)}")


def split_arguments(source: str) -> list[str]:
    """Splits ``a, "b,c", f(x, y)`` at its top-level commas."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            end = _string_end(source, i)
            current.append(source[i:end])
            i = end
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def string_literal(source: str) -> str | None:
    """The value of a JavaScript string literal, or None when ``source`` is not one."""
    source = source.strip()
    if len(source) >= 2 and source[0] == source[-1] and source[0] in "\"'":
        body = source[1:-1]
        if source[0] == "'":
            body = body.replace('\\"', '"').replace('"', '\\"').replace("\\'", "'")
        try:
            return json.loads(f'"{body}"')
        except ValueError as exc:
            raise Unsupported(f"string literal {short(source, 40)}") from exc
    return None


# --- evaluating the script ----------------------------------------------------------------------

@dataclass
class Response:
    """What a script can see of the response."""

    status: int
    text: str

    def json(self) -> Any:
        """``pm.response.json()``: the parsed body, or a JSONError as Postman raises it."""
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise ScriptError(f"JSONError: the response body is not JSON ({short(self.text, 80)})") from exc


@dataclass
class TestOutcome:
    """One ``pm.test`` (or a script-level problem, with ``name`` describing it)."""

    name: str
    status: str
    reason: str = ""


@dataclass
class ScriptRun:
    """Interprets one test script against one response."""

    response: Response
    environment: dict[str, Any]
    tests: list[TestOutcome] = field(default_factory=list)
    locals: dict[str, Any] = field(default_factory=dict)

    def run(self, source: str) -> None:
        """Runs the script's top-level statements; an error or unknown statement stops it."""
        try:
            statements = split_statements(source)
        except Unsupported as exc:
            self.tests.append(TestOutcome("script", UNSUPPORTED, str(exc)))
            return
        for statement in statements:
            try:
                self.statement(statement, top_level=True)
            except ScriptError as exc:
                self.tests.append(TestOutcome("script", FAILED, f"script error: {exc}"))
                return
            except AssertionFailed as exc:  # an assertion outside pm.test also stops the script
                self.tests.append(TestOutcome("script", FAILED, f"assertion outside pm.test: {exc}"))
                return
            except Unsupported as exc:
                self.tests.append(TestOutcome("script", UNSUPPORTED,
                                              f"not interpreted: {short(statement, 80)} ({exc})"))
                return

    def statement(self, source: str, top_level: bool = False) -> None:
        """Executes one statement."""
        source = source.strip().rstrip(";").strip()
        if not source:
            return
        if source.startswith("pm.test("):
            if not top_level:
                raise Unsupported("nested pm.test")
            self.pm_test(source)
            return
        declaration = re.fullmatch(r"(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(.+)", source, re.S)
        if declaration:
            self.locals[declaration.group(1)] = self.expression(declaration.group(2))
            return
        status = re.fullmatch(r"pm\.response\.to\.have\.status\(\s*(\d+)\s*\)", source)
        if status:
            expected = int(status.group(1))
            if self.response.status != expected:
                raise AssertionFailed(f"expected response to have status code {expected} but got "
                                      f"{self.response.status}")
            return
        if source.startswith("pm.expect("):
            self.pm_expect(source)
            return
        setter = re.fullmatch(r"(pm\.environment\.set|pm\.globals\.set|pm\.collectionVariables\.set|"
                              r"pm\.variables\.set|postman\.setEnvironmentVariable|"
                              r"postman\.setGlobalVariable)\((.*)\)", source, re.S)
        if setter:
            arguments = split_arguments(setter.group(2))
            if len(arguments) != 2 or string_literal(arguments[0]) is None:
                raise Unsupported("setter arguments")
            self.environment[string_literal(arguments[0])] = self.expression(arguments[1])
            return
        if re.fullmatch(r"console\.(log|info|warn|error)\(.*\)", source, re.S):
            return
        # A bare expression such as `pm.environment.get("token")`: evaluate it for its errors.
        self.expression(source)

    def pm_test(self, source: str) -> None:
        """``pm.test("name", function () { body })``: runs the body as one named test."""
        close = matching_paren(source, len("pm.test"))
        if source[close + 1:].strip():
            raise Unsupported("text after pm.test(...)")
        arguments = split_arguments(source[len("pm.test") + 1:close])
        name = string_literal(arguments[0]) if arguments else None
        if name is None or len(arguments) != 2:
            raise Unsupported("pm.test arguments")
        function = re.fullmatch(r"(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{(.*)\}", arguments[1], re.S)
        if not function:
            raise Unsupported("pm.test callback")
        saved = dict(self.locals)  # the callback's `var`s are local to it
        try:
            for statement in split_statements(function.group(1)):
                self.statement(statement)
            self.tests.append(TestOutcome(name, PASSED))
        except AssertionFailed as exc:
            self.tests.append(TestOutcome(name, FAILED, f"AssertionError: {exc}"))
        except ScriptError as exc:
            self.tests.append(TestOutcome(name, FAILED, str(exc)))
        except Unsupported as exc:
            self.tests.append(TestOutcome(name, UNSUPPORTED, f"not interpreted: {exc}"))
        finally:
            self.locals = saved

    def pm_expect(self, source: str) -> None:
        """``pm.expect(actual).to[.not].eql|equal|include(expected)``."""
        close = matching_paren(source, len("pm.expect"))
        actual = self.expression(source[len("pm.expect") + 1:close])
        chain = re.fullmatch(r"\.to\.(not\.)?(?:be\.|deep\.)?(eql|equal|equals|include|contain|"
                             r"includes)\((.*)\)", source[close + 1:].strip(), re.S)
        if not chain:
            raise Unsupported(f"assertion chain {short(source[close + 1:], 40)}")
        negate, verb = bool(chain.group(1)), chain.group(2)
        expected = self.expression(chain.group(3))
        if verb == "eql":
            ok, words = deep_equal(actual, expected), "deeply equal"
        elif verb in ("equal", "equals"):
            ok, words = strict_equal(actual, expected), "equal"
        else:
            ok, words = includes(actual, expected), "include"
        if ok == negate:
            raise AssertionFailed(f"expected {js_repr(actual)} to {'not ' if negate else ''}"
                                  f"{words} {js_repr(expected)}")

    def expression(self, source: str) -> Any:
        """Evaluates the expression forms the collection uses."""
        source = source.strip()
        literal = string_literal(source)
        if literal is not None:
            return literal
        if source == "undefined":
            return UNDEFINED
        if source in ("pm.response.json()", "JSON.parse(responseBody)", "JSON.parse(pm.response.text())"):
            return self.response.json()
        if source in ("pm.response.text()", "responseBody"):
            return self.response.text
        if source in ("pm.response.code", "responseCode.code"):
            return self.response.status
        getter = re.fullmatch(r"(?:pm\.environment\.get|pm\.variables\.get|pm\.globals\.get|"
                              r"pm\.collectionVariables\.get|postman\.getEnvironmentVariable)\((.*)\)",
                              source, re.S)
        if getter:
            name = string_literal(getter.group(1))
            if name is None:
                raise Unsupported("variable name")
            return self.environment.get(name, UNDEFINED)
        path = re.fullmatch(r"([A-Za-z_$][\w$]*)((?:\.[A-Za-z_$][\w$]*|\[\d+\]|\[\"[^\"]*\"\])*)", source)
        if path and path.group(1) in self.locals:
            return self.property_path(self.locals[path.group(1)], path.group(1), path.group(2))
        try:
            return json.loads(source)  # numbers, true/false/null, [] and {} literals
        except ValueError as exc:
            raise Unsupported(f"expression {short(source, 60)}") from exc

    @staticmethod
    def property_path(value: Any, name: str, path: str) -> Any:
        """Follows ``.a.b[0]["c"]`` from ``value`` as JavaScript does."""
        shown = name
        for key, index, quoted in re.findall(r"\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[\"([^\"]*)\"\]", path):
            if value is UNDEFINED or value is None:
                raise ScriptError(f"TypeError: Cannot read properties of {js_repr(value)} "
                                  f"(reading '{key or index or quoted}') at {shown}")
            if index:
                value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else UNDEFINED
            else:
                attribute = key or quoted
                if isinstance(value, dict):
                    value = value.get(attribute, UNDEFINED)
                elif isinstance(value, (list, str)) and attribute == "length":
                    value = len(value)
                else:
                    value = UNDEFINED
            shown += f".{key}" if key else f"[{index or repr(quoted)}]"
        return value


def deep_equal(left: Any, right: Any) -> bool:
    """chai's ``eql``: structural equality, with booleans distinct from numbers."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(deep_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(deep_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def strict_equal(left: Any, right: Any) -> bool:
    """chai's ``equal`` (``===``): objects are never equal to a different literal."""
    if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
        return False
    return deep_equal(left, right)


def includes(haystack: Any, needle: Any) -> bool:
    """chai's ``include`` for strings (substring), arrays (member) and objects (subset)."""
    if isinstance(haystack, str):
        if not isinstance(needle, str):
            raise AssertionFailed(f"the given combination of arguments (string and "
                                  f"{js_repr(needle)}) is invalid for include")
        return needle in haystack
    if isinstance(haystack, list):
        return any(strict_equal(item, needle) for item in haystack)
    if isinstance(haystack, dict) and isinstance(needle, dict):
        return all(k in haystack and strict_equal(haystack[k], v) for k, v in needle.items())
    raise AssertionFailed(f"object tested ({js_repr(haystack)}) must be an array, a string or an object")


def js_repr(value: Any) -> str:
    """A short JavaScript-like rendering of a value for messages."""
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, str):
        return repr(short(value, 120))
    return short(json.dumps(value), 120)


# --- running the collection ---------------------------------------------------------------------

def walk(items: list[dict], folder: str = ""):
    """Yields ``(qualified name, item)`` for every request item, in collection order."""
    for item in items:
        name = f"{folder}/{item.get('name', '')}" if folder else item.get("name", "")
        if "item" in item:
            yield from walk(item["item"], name)
        elif "request" in item:
            yield name, item


def classify(raw_url: str) -> str:
    """Groups, Token, Discovery or Users, from the path of the item's URL."""
    path = raw_url.split("?", 1)[0]
    if "/Groups" in path:
        return "Groups"
    if path.rstrip("/").endswith("/Token"):
        return "Token"
    if re.search(r"/(ResourceTypes|Schemas|ServiceProviderConfig|serviceConfiguration)\b", path):
        return "Discovery"
    return "Users"


def script_source(item: dict, listen: str) -> str:
    """The joined source of an item's ``test`` (or ``prerequest``) script."""
    parts = []
    for event in item.get("event", []):
        if event.get("listen") == listen and not event.get("disabled"):
            exec_ = event.get("script", {}).get("exec", [])
            parts.append("\n".join(exec_) if isinstance(exec_, list) else str(exec_))
    return "\n".join(parts)


class EntraRunner:
    """Sends the collection's requests and interprets their test scripts."""

    def __init__(self, collection: dict, environment: dict[str, Any], writer: ResultWriter):
        self.collection = collection
        self.environment = environment
        self.writer = writer
        self.session = requests.Session()

    def resolve(self, template: str, unresolved: set[str]) -> str:
        """Replaces ``{{name}}`` from the environment (unknown names are left, as Postman does)."""

        def replace(match: re.Match) -> str:
            value = self.environment.get(match.group(1), UNDEFINED)
            if value is UNDEFINED:
                unresolved.add(match.group(1))
                return match.group(0)
            return value if isinstance(value, str) else json.dumps(value)

        return _VARIABLE.sub(replace, template)

    def run(self) -> None:
        """Runs every item in order."""
        for name, item in walk(self.collection.get("item", [])):
            self.writer.add(self.run_item(self.writer.unique_name(name), item))

    def run_item(self, name: str, item: dict) -> ItemResult:
        """Sends one item's request and evaluates its tests."""
        request = item["request"]
        url_field = request.get("url", "")
        raw_url = url_field.get("raw", "") if isinstance(url_field, dict) else str(url_field)
        category = classify(raw_url)
        result = ItemResult(SUITE, self.writer.connection, name, PASSED, category,
                            category != "Token")
        if category == "Token":
            result.status = SKIPPED
            result.reason = ("the bridge uses a static bearer token; GET /Token belongs to "
                             "Microsoft's reference server")
            return result

        unresolved: set[str] = set()
        method = request.get("method", "GET")
        url = self.resolve(raw_url, unresolved)
        headers = {h["key"]: self.resolve(h.get("value", ""), unresolved)
                   for h in request.get("header", []) if not h.get("disabled")}
        auth = request.get("auth") or self.collection.get("auth") or {}
        if auth.get("type") == "bearer":
            token = next((e.get("value", "") for e in auth.get("bearer", []) if e.get("key") == "token"), "")
            headers["Authorization"] = f"Bearer {self.resolve(token, unresolved)}"
        body = request.get("body") or {}
        data = None
        if body.get("mode") == "raw" and body.get("raw"):
            raw = re.sub(r"\$\{__UUID\}", lambda _: str(uuid.uuid4()), body["raw"])
            data = self.resolve(raw, unresolved).encode()
        elif body.get("mode") not in (None, "raw"):
            result.status, result.reason = UNSUPPORTED, f"body mode {body.get('mode')!r}"
            return result
        parts = urlsplit(url)
        result.details.append(f"{method} {parts.path}{'?' + parts.query if parts.query else ''}")
        if unresolved:
            result.details.append(f"unresolved variables: {', '.join(sorted(unresolved))}")

        try:
            response = self.session.request(method, url, headers=headers, data=data,
                                            timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            result.status, result.reason = FAILED, f"request failed: {short(exc)}"
            return result
        result.details.append(f"-> HTTP {response.status_code}: {short(response.text, 200)}")

        source = script_source(item, "test")
        if not source.strip():
            result.status, result.reason = UNCHECKED, f"no tests (HTTP {response.status_code})"
            return result
        run = ScriptRun(Response(response.status_code, response.text), self.environment)
        run.run(source)
        failed = [t for t in run.tests if t.status == FAILED]
        unsupported = [t for t in run.tests if t.status == UNSUPPORTED]
        passed = [t.name for t in run.tests if t.status == PASSED]
        if passed and len(passed) < len(run.tests):
            result.details.append(f"passed tests: {', '.join(passed)}")
        if failed:
            result.status = FAILED
            result.reason = "; ".join(f"{t.name}: {t.reason}" for t in failed)
        elif unsupported:
            result.status = UNSUPPORTED
            result.reason = "; ".join(f"{t.name}: {t.reason}" for t in unsupported)
        elif not run.tests:
            result.status, result.reason = UNCHECKED, f"no pm.test in the script (HTTP {response.status_code})"
        return result


def main() -> int:
    """Parses the arguments and runs the collection."""
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--collection", required=True, help="path to entra_postman_collection.json")
    args = parser.parse_args()
    with open(args.collection, encoding="utf-8") as handle:
        collection = json.load(handle)
    parts = urlsplit(args.base_url.rstrip("/"))
    environment: dict[str, Any] = {
        "Protocol": parts.scheme,
        "Server": parts.hostname or "",
        "Port": f":{parts.port}" if parts.port else "",
        "Api": parts.path.lstrip("/"),
        "token": args.token,
    }
    print(f"{collection.get('info', {}).get('name', 'Postman collection')} (Entra ID) against {args.base_url}")
    writer = ResultWriter(args.results, SUITE, args.connection)
    started = time.monotonic()
    EntraRunner(collection, environment, writer).run()
    writer.print_counts()
    print(f"  ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
