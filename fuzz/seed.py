#!/usr/bin/env python3
"""Writes the seed corpora fuzz/seeds/<target>/ from the test suites.

Filters, PATCH paths, PATCH bodies and User bodies are taken from the string literals and
`json!(...)` blocks of the SCIM and mapping unit tests (src/scim, src/mapping) and the API
tests (tests/api). A json! block is Rust, not JSON: the few constants the tests use are
substituted, `format!("…")` becomes its string, trailing commas go, and a block that still is
not JSON is skipped. Run from anywhere; the output is deterministic (sorted, named by SHA-1),
so re-running it changes nothing unless the tests changed.

    python3 fuzz/seed.py            # rewrites fuzz/seeds/{filter,path,soql,patch,body}
"""

import hashlib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
SOURCES = sorted(
    [*ROOT.glob("src/scim/*.rs"), *ROOT.glob("src/mapping/*.rs"), *ROOT.glob("tests/api/**/*.rs")]
)
# At most this many seeds per target: enough to reach every grammar rule, few enough to keep
# the repository small and libFuzzer's start-up short.
MAX_SEEDS = 60

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CONSTANTS = {
    "urn::PATCH_OP": "urn:ietf:params:scim:api:messages:2.0:PatchOp",
    "urn::USER_SCHEMA": "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn::ENTERPRISE_USER_SCHEMA": ENTERPRISE,
    "urn::SEARCH_REQUEST": "urn:ietf:params:scim:api:messages:2.0:SearchRequest",
    "ENTERPRISE": ENTERPRISE,
    "ENT": ENTERPRISE,
}

RUST_STRING = re.compile(
    r'r(#+)"(.*?)"\1'  # raw strings r#"…"#
    r'|r"([^"]*)"'  # raw strings r"…"
    r'|"((?:[^"\\\n]|\\.)*)"',  # ordinary strings
    re.S,
)
OPERATOR = re.compile(r"(?i)\b(eq|ne|co|sw|ew|gt|ge|lt|le)\b\s*\S|\bpr\b")
PATH_LIKE = re.compile(
    r"^(urn:[\w.:-]+:)?[A-Za-z][\w-]*(\.[A-Za-z$][\w-]*)?(\[[^\]]+\](\.[A-Za-z][\w-]*)?)?$"
)


def unescape_rust(s):
    s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), s)
    table = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), s)


def literals(text):
    for m in RUST_STRING.finditer(text):
        if m.group(2) is not None:
            yield m.group(2)
        elif m.group(3) is not None:
            yield m.group(3)
        else:
            yield unescape_rust(m.group(4))


def json_blocks(text):
    """The inside of every json!( … ) with balanced brackets (strings skipped)."""
    for m in re.finditer(r"json!\s*\(", text):
        i, depth, start = m.end(), 1, m.end()
        while i < len(text) and depth:
            c = text[i]
            if c == '"':
                i += 1
                while i < len(text) and text[i] != '"':
                    i += 2 if text[i] == "\\" else 1
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            i += 1
        yield text[start : i - 1]


def to_json(block):
    def fmt(m):
        s = m.group(1)
        for k, v in CONSTANTS.items():
            s = s.replace("{" + k + "}", v)
        return json.dumps(unescape_rust(s))

    b = re.sub(r'format!\(\s*"((?:[^"\\]|\\.)*)"\s*\)', fmt, block)
    for k, v in sorted(CONSTANTS.items(), key=lambda kv: -len(kv[0])):
        b = re.sub(r"(?<![\w:\"])" + re.escape(k) + r"(?![\w\"])", json.dumps(v), b)
    # A variable in value position (`"userName": email`) becomes a sample string.
    b = re.sub(
        r'(?<=[:\[,])(\s*)(?!true\b|false\b|null\b)([A-Za-z_][\w.]*(?:\(\))?)(?=\s*[,}\]])',
        lambda m: m.group(1) + json.dumps("ada@example.com" if "mail" in m.group(2) else "x"),
        b,
    )
    b = re.sub(r",\s*([}\]])", r"\1", b)
    try:
        return json.loads(b)
    except ValueError:
        return None


def patch_bodies(value):
    """A json! value as a PATCH body: a whole body, an Operations array, or one operation."""
    op = CONSTANTS["urn::PATCH_OP"]
    if isinstance(value, dict) and any(k.lower() == "operations" for k in value):
        return [value]
    if isinstance(value, list) and value and all(isinstance(o, dict) and "op" in {k.lower() for k in o} for o in value):
        return [{"schemas": [op], "Operations": value}]
    if isinstance(value, dict) and "op" in {k.lower() for k in value}:
        return [{"schemas": [op], "Operations": [value]}]
    return []


# User bodies the tests build with helpers rather than json! literals: every mapped shape of
# the Lead mapping (enterprise organization, typed and untyped multi-valued attributes, Entra's
# string manager and "False" booleans, numbers where strings belong).
HAND_BODIES = [
    {"userName": "lead@example.com", "name": {"familyName": "Lead"},
     ENTERPRISE: {"organization": "Acme", "department": "R&D", "manager": {"value": "m1"}}},
    {"userName": "u", "emails": [{"value": "w@example.com", "type": "work", "primary": "True"},
                                  {"value": "h@example.com", "type": "home"}],
     "phoneNumbers": [{"value": 5550100, "type": "work"}, {"value": "+1", "type": "mobile"},
                      {"value": "+2", "type": "fax"}]},
    {"userName": "u", "addresses": [{"type": "work", "streetAddress": "1 Main St", "locality": "Paris",
                                     "region": "IDF", "postalCode": 75001, "country": "FR"}]},
    {"USERNAME": "caps", "NAME": {"GIVENNAME": "A", "middleName": "B", "honorificSuffix": "III"},
     "Title": "CTO", "externalId": "ext-1", "active": "False"},
    {"userName": "u", "emails": {"value": "single@example.com"}, "active": None,
     ENTERPRISE: {"manager": "m2", "organization": None}},
    {"userName": "u", "emails": [{"value": ""}], "displayName": "Ignored", "name": None},
]


def main():
    found = {t: set() for t in ("filter", "path", "patch", "body")}
    for b in HAND_BODIES:
        found["body"].add(json.dumps(b, ensure_ascii=False))
    for src in SOURCES:
        text = src.read_text(encoding="utf-8")
        for lit in literals(text):
            if len(lit) > 2000 or "\n" in lit.strip():
                continue
            if OPERATOR.search(lit) and not lit.startswith(("/", "http", "{")):
                found["filter"].add(lit)
            if PATH_LIKE.match(lit) and ("[" in lit or "." in lit or ":" in lit):
                found["path"].add(lit)
        for block in json_blocks(text):
            value = to_json(block)
            if value is None:
                continue
            for body in patch_bodies(value):
                found["patch"].add(json.dumps(body, ensure_ascii=False, sort_keys=False))
                for o in body.get("Operations", []) if isinstance(body.get("Operations"), list) else []:
                    path = o.get("path") if isinstance(o, dict) else None
                    if isinstance(path, str):
                        found["path"].add(path)
            if isinstance(value, dict) and any(k.lower() == "username" for k in value):
                found["body"].add(json.dumps(value, ensure_ascii=False))
    # Filters are also what the soql target reads.
    found["soql"] = found["filter"]
    for target, items in found.items():
        out = SEEDS / target
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("seed-*"):
            old.unlink()
        # Shortest first (the most basic shapes), then a spread of the rest.
        ordered = sorted(items, key=lambda s: (len(s), s))
        if len(ordered) > MAX_SEEDS:
            step = len(ordered) / MAX_SEEDS
            ordered = [ordered[int(i * step)] for i in range(MAX_SEEDS)]
        for item in ordered:
            data = item.encode("utf-8")
            name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
            (out / name).write_bytes(data)
        print(f"{target}: {len(ordered)} seeds (of {len(items)} found)", file=sys.stderr)


if __name__ == "__main__":
    main()
