#!/usr/bin/env python3
"""IdP-style initial sync against a running bridge and its Salesforce emulator (stdlib only).

What it measures, per run (one concurrency level on a fresh set of people):
  - the sync: for each person i, GET /Users?filter=userName eq "person{i}@example.com" and, if
    totalResults is 0, POST /Users (userName = work email, name, title); wall time, SCIM
    operations per second, Salesforce API requests per person (emulator `api_requests_total`),
    SCIM failures by status;
  - what Salesforce holds afterwards (SOQL through the emulator's REST API): records per Email,
    any Email with more than one record, records against N;
  - with --faults R: a rate R of SERVER_UNAVAILABLE (503) and UNABLE_TO_LOCK_ROW (400) injected
    into every Salesforce call during the sync (half each); then, per SCIM answer that was 2xx,
    whether the person really is in Salesforce (a false success has no record), and whether
    every failed SCIM answer is one an IdP retries (429/5xx); then one IdP retry pass (faults
    still on) over the people that failed, and the same checks again;
  - a page walk (faults off): GET /Users?startIndex=…&count=200 until all N are seen, with the
    Salesforce requests and pages it took;
  - lone-request latency on an idle bridge: 200 sequential GET /Users/{id} and 200 sequential
    filter look-ups, p50/p99 in ms.
Timing never fails the program; it exits non-zero (2) only when the setup fails (a server not
answering, no token).

Usually run through bench/sync.sh, which starts the emulator and the bridge (fresh for each
concurrency level) and passes its arguments here. Directly, against servers already running:
  python3 bench/sync.py --scim http://127.0.0.1:18777/scim/v2/contacts --token TOKEN \\
      --salesforce http://127.0.0.1:18776 [--people 10000] [--concurrency 1,16,64] [--faults 0.1]
Several concurrency levels in one process use disjoint people (the k-th run starts at
person{k*N+1}); --json-out FILE appends one JSON line per run, --summary FILE prints them as a
table.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

SF_API = "/services/data/v62.0"


class SetupError(Exception):
    """The servers are not there or refuse the benchmark's credentials."""


class Client:
    """One keep-alive HTTP connection per thread to one host; reconnects after an error."""

    def __init__(self, base: str, headers: dict[str, str]):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.prefix = u.path.rstrip("/")
        self.headers = headers
        self.local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.local.conn = c
        return c

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, parsed JSON or None); status "ERR" when no answer came."""
        h = dict(self.headers)
        h.update(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        for attempt in range(2):
            c = self._conn()
            try:
                c.request(method, self.prefix + path, body=data, headers=h)
                r = c.getresponse()
                raw = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = raw.decode("utf-8", "replace")
                return r.status, parsed
            except (OSError, http.client.HTTPException):
                self.close()
                # A keep-alive connection the server closed fails at once: retry that once.
                if attempt == 1:
                    return "ERR", None
        return "ERR", None

    def close(self):
        c = getattr(self.local, "conn", None)
        if c is not None:
            c.close()
        self.local.conn = None


def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def email(i: int) -> str:
    return f"person{i}@example.com"


def filter_path(user_name: str) -> str:
    """GET /Users?filter=userName eq "…", as an IdP looks a person up."""
    expr = 'userName eq "' + user_name + '"'
    return "/Users?filter=" + q(expr)


def user_body(i: int) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email(i),
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "title": f"Engineer {i % 7}",
        "emails": [{"value": email(i), "type": "work", "primary": True}],
        "active": True,
    }


class Salesforce:
    """The emulator: control API (no auth) and REST with a refresh-grant token."""

    def __init__(self, base: str, client_id: str, secret: str, refresh_token: str):
        self.base = base.rstrip("/")
        self.ctl = Client(self.base, {"Content-Type": "application/json"})
        status, body = self.ctl.request(
            "POST",
            "/services/oauth2/token",
            urllib.parse.urlencode(
                {
                    "grant_type": "refresh_token",
                    "client_id": client_id,
                    "client_secret": secret,
                    "refresh_token": refresh_token,
                }
            ),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise SetupError(f"token grant at {self.base} answered {status}: {body}")
        self.rest = Client(
            self.base, {"Authorization": f"Bearer {body['access_token']}"}
        )

    def stats(self) -> dict:
        status, body = self.ctl.request("GET", "/__emulator/stats")
        if status != 200:
            raise SetupError(f"GET /__emulator/stats answered {status}: {body}")
        return body

    def api_requests(self) -> int:
        return int(self.stats()["api_requests_total"])

    def add_fault(self, spec: dict) -> int:
        status, body = self.ctl.request("POST", "/__emulator/faults", spec)
        if status != 201:
            raise SetupError(f"POST /__emulator/faults answered {status}: {body}")
        return int(body["id"])

    def clear_faults(self):
        status, body = self.ctl.request("DELETE", "/__emulator/faults")
        if status not in (200, 204):
            raise SetupError(f"DELETE /__emulator/faults answered {status}: {body}")

    def query(self, soql: str) -> list[dict]:
        path = f"{SF_API}/query?q={q(soql)}"
        records = []
        while path:
            status, body = self.rest.request("GET", path)
            if status != 200:
                raise SetupError(f"SOQL {soql!r} answered {status}: {body}")
            records.extend(body["records"])
            path = body.get("nextRecordsUrl")
        return records


class Run:
    """One sync at one concurrency level over people first..first+n-1."""

    def __init__(self, scim: Client, sf: Salesforce, first: int, n: int, concurrency: int):
        self.scim, self.sf = scim, sf
        self.people = list(range(first, first + n))
        self.concurrency = concurrency
        self.lock = threading.Lock()
        # Per person: the GET's status and totalResults, the POST's status and id (if any).
        self.outcome: dict[int, dict] = {}

    def sync_one(self, i: int) -> dict:
        o: dict = {}
        status, body = self.scim.request("GET", filter_path(email(i)))
        o["get"] = status
        if status != 200:
            return o
        total = body.get("totalResults") if isinstance(body, dict) else None
        o["total"] = total
        if total == 0:
            status, body = self.scim.request("POST", "/Users", user_body(i))
            o["post"] = status
            if isinstance(body, dict):
                o["id"] = body.get("id")
        elif isinstance(body, dict) and body.get("Resources"):
            o["id"] = body["Resources"][0].get("id")
        return o

    def sync(self, people: list[int]) -> float:
        """Runs the sync over `people`; returns the wall time."""
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(self.concurrency) as pool:
            for i, o in zip(people, pool.map(self.sync_one, people)):
                self.outcome[i] = o
        return time.perf_counter() - start


def statuses(outcomes, key) -> collections.Counter:
    return collections.Counter(o[key] for o in outcomes if key in o)


def failures(outcomes) -> collections.Counter:
    """Non-2xx SCIM answers, by method and status."""
    c = collections.Counter()
    for o in outcomes:
        for key, name in (("get", "GET"), ("post", "POST")):
            s = o.get(key)
            if s is not None and not (isinstance(s, int) and 200 <= s < 300):
                c[f"{name} {s}"] += 1
    return c


def retryable(label: str) -> bool:
    s = label.split()[-1]
    return s == "429" or (s.isdigit() and 500 <= int(s) < 600)


def fmt_counter(c: collections.Counter) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) or "none"


def line(label: str, value) -> None:
    print(f"  {label:<38} {value}")


def salesforce_view(sf: Salesforce, people: list[int]) -> dict:
    """What Salesforce holds for these people: records per Email and per key."""
    wanted = {email(i) for i in people}
    recs = sf.query("SELECT Id, Email, SCIM_Key__c FROM Contact")
    by_email = collections.defaultdict(list)
    by_key = collections.defaultdict(list)
    for r in recs:
        e = (r.get("Email") or "").lower()
        if e in wanted:
            by_email[e].append(r["Id"])
        k = (r.get("SCIM_Key__c") or "").lower()
        if k in wanted:
            by_key[k].append(r["Id"])
    dupes = {e: ids for e, ids in by_email.items() if len(ids) > 1}
    return {
        "contacts_total": len(recs),
        "records_for_people": sum(len(v) for v in by_email.values()),
        "people_with_record": len(by_email),
        "people_with_key": len(by_key),
        "duplicates": dupes,
        "by_key": by_key,
    }


def false_successes(run: Run, view: dict) -> tuple[int, int, list[str]]:
    """(2xx answers checked, false successes, examples): a 2xx POST (or a GET that found the
    person) whose person has no record with that key (and that id) in Salesforce."""
    checked, false, examples = 0, 0, []
    for i, o in run.outcome.items():
        claims = o.get("post") in (200, 201) or (o.get("get") == 200 and o.get("total"))
        if not claims:
            continue
        checked += 1
        ids = view["by_key"].get(email(i), [])
        sid = o.get("id")
        if not ids or (sid and sid not in ids):
            false += 1
            if len(examples) < 5:
                examples.append(f"{email(i)} (id {sid})")
    return checked, false, examples


def report_state(run: Run, sf: Salesforce, n: int, faults: bool) -> dict:
    view = salesforce_view(sf, run.people)
    line("records in Salesforce for these people", f"{view['records_for_people']} (N = {n}; "
         f"{view['people_with_record']} people have one, {view['people_with_key']} have a key)")
    dupes = view["duplicates"]
    line("duplicates (Emails with >1 record)", len(dupes))
    for e, ids in list(dupes.items())[:5]:
        line("", f"{e}: {len(ids)} records {', '.join(ids)}")
    out = {
        "records": view["records_for_people"],
        "people_with_record": view["people_with_record"],
        "duplicates": len(dupes),
    }
    if faults:
        checked, false, examples = false_successes(run, view)
        line("2xx answers checked in Salesforce", checked)
        line("false successes (2xx, no record)", false)
        for ex in examples:
            line("", ex)
        fails = failures(run.outcome.values())
        bad = {k: v for k, v in fails.items() if not retryable(k)}
        line("failed answers an IdP retries (429/5xx)",
             sum(v for k, v in fails.items() if retryable(k)))
        line("failed answers an IdP does NOT retry", f"{sum(bad.values())} ({fmt_counter(collections.Counter(bad))})")
        out.update(false_successes=false, non_retryable=sum(bad.values()))
    return out


def page_walk(scim: Client, sf: Salesforce, n: int) -> dict:
    before = sf.api_requests()
    seen, pages, start, total, errors = set(), 0, 1, None, collections.Counter()
    t0 = time.perf_counter()
    while True:
        status, body = scim.request("GET", f"/Users?startIndex={start}&count=200")
        pages += 1
        if status != 200 or not isinstance(body, dict):
            errors[status] += 1
            if errors[status] > 3:
                break
            continue
        total = body.get("totalResults")
        res = body.get("Resources") or []
        seen.update(r.get("id") for r in res)
        # The end: an empty page, or the last of totalResults.
        if not res or start + len(res) > (total or 0):
            break
        start += len(res)
        if pages > 10 * n // 200 + 100:
            break
    wall = time.perf_counter() - t0
    cost = sf.api_requests() - before
    return {"pages": pages, "seen": len(seen), "totalResults": total, "sf_requests": cost,
            "wall_s": wall, "errors": dict(errors)}


def group_push(scim: Client, sf: Salesforce, ids: list[str], per_patch: int) -> dict:
    """Group Push of every synced person: one group, members added `per_patch` at a time
    (PATCH add, as Entra ID and Okta send them), read back whole, then all removed. Salesforce
    requests and wall time of each phase."""
    out: dict = {"members": len(ids), "per_patch": per_patch}
    status, body = scim.request("POST", "/Groups", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": f"bench-{time.time_ns()}"})
    if status != 201 or not isinstance(body, dict):
        return out | {"error": f"POST /Groups answered {status}"}
    gid = body["id"]
    chunks = [ids[i:i + per_patch] for i in range(0, len(ids), per_patch)]
    for label, op in (("add", "add"), ("remove", "remove")):
        before, t0, bad = sf.api_requests(), time.perf_counter(), 0
        for chunk in chunks:
            status, _ = scim.request("PATCH", f"/Groups/{gid}", {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": op, "path": "members",
                                "value": [{"value": x} for x in chunk]}]})
            bad += status != 204
        out[label] = {"sf_requests": sf.api_requests() - before,
                      "wall_s": time.perf_counter() - t0, "non_204": bad}
        if label == "add":
            before, t0 = sf.api_requests(), time.perf_counter()
            status, got = scim.request("GET", f"/Groups/{gid}")
            shown = len(got.get("members") or []) if isinstance(got, dict) else 0
            out["read"] = {"sf_requests": sf.api_requests() - before,
                           "wall_s": time.perf_counter() - t0, "members_shown": shown,
                           "status": status}
    return out


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))
    return xs[k]


def latency(scim: Client, ids: list[str], names: list[str], k: int = 200) -> dict:
    out = {}
    for label, paths in (
        ("GET /Users/{id}", [f"/Users/{x}" for x in ids]),
        ("filter userName eq", [filter_path(e) for e in names]),
    ):
        if not paths:
            continue
        times, bad = [], 0
        for j in range(k):
            t0 = time.perf_counter()
            status, _ = scim.request("GET", paths[j % len(paths)])
            times.append((time.perf_counter() - t0) * 1000)
            bad += status != 200
        out[label] = {"p50_ms": pct(times, 50), "p99_ms": pct(times, 99), "non_200": bad}
    return out


def inject_faults(sf: Salesforce, rate: float) -> list[int]:
    """Half the rate 503 SERVER_UNAVAILABLE, half 400 UNABLE_TO_LOCK_ROW (faults are tried in
    order, so the second's rate is scaled to make the total exactly `rate`)."""
    a = rate / 2
    b = a / (1 - a) if a < 1 else 1.0
    return [
        sf.add_fault({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "rate": a}),
        sf.add_fault({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "rate": b}),
    ]


def one_run(args, scim: Client, sf: Salesforce, first: int, concurrency: int) -> dict:
    n = args.people
    run = Run(scim, sf, first, n, concurrency)
    print(f"== sync: {n} people, concurrency {concurrency}"
          f"{f', faults {args.faults:g}' if args.faults else ''} "
          f"(person{first}..person{first + n - 1}) ==")
    fault_ids = inject_faults(sf, args.faults) if args.faults else []
    before = sf.api_requests()
    wall = run.sync(run.people)
    sf_cost = sf.api_requests() - before
    outs = list(run.outcome.values())
    ops = sum(1 for o in outs for k in ("get", "post") if k in o)
    fails = failures(outs)
    result = {
        "people": n, "concurrency": concurrency, "faults": args.faults, "wall_s": wall,
        "scim_ops": ops, "ops_per_s": ops / wall if wall else 0.0,
        "sf_requests": sf_cost, "sf_per_person": sf_cost / n,
        "failures": sum(fails.values()), "failures_by_status": dict(fails),
    }
    line("people", n)
    line("wall time", f"{wall:.2f} s")
    gets, posts = sum(statuses(outs, "get").values()), sum(statuses(outs, "post").values())
    line("SCIM operations", f"{ops} (GET {gets}, POST {posts})")
    line("SCIM operations per second", f"{result['ops_per_s']:.0f}")
    line("Salesforce API requests per person", f"{result['sf_per_person']:.2f} ({sf_cost} in all)")
    line("SCIM failures (non-2xx)", f"{result['failures']} ({fmt_counter(fails)})")
    if fault_ids:
        st = sf.stats()
        fired = {f["id"]: f["fired"] for f in st["faults"]}
        line("faults fired (503 / UNABLE_TO_LOCK_ROW)",
             " / ".join(str(fired.get(i, 0)) for i in fault_ids))
    # With faults still on the SOQL below could fail: check Salesforce without them.
    if fault_ids:
        sf.clear_faults()
    result.update(report_state(run, sf, n, bool(fault_ids)))

    if fault_ids:
        failed = [i for i, o in run.outcome.items()
                  if o.get("get") != 200 or ("post" in o and o["post"] not in (200, 201))]
        print(f"  -- IdP retry pass over the {len(failed)} people that failed (faults on) --")
        fault_ids = inject_faults(sf, args.faults)
        before = sf.api_requests()
        wall2 = run.sync(failed)
        cost2 = sf.api_requests() - before
        sf.clear_faults()
        again = [run.outcome[i] for i in failed]
        line("retry wall time", f"{wall2:.2f} s")
        line("retry Salesforce API requests", cost2)
        line("retry answers by status",
             f"GET {fmt_counter(statuses(again, 'get'))}; POST {fmt_counter(statuses(again, 'post'))}")
        found = sum(1 for o in again if o.get("get") == 200 and o.get("total"))
        line("retries that found the person already", found)
        line("SCIM failures left after the retry", f"{sum(failures(again).values())} ({fmt_counter(failures(again))})")
        r2 = report_state(run, sf, n, True)
        result["after_retry"] = r2 | {"failures_left": sum(failures(again).values()),
                                      "found_already": found}

    walk = page_walk(scim, sf, n)
    result["page_walk"] = walk
    line("page walk (count=200)", f"{walk['pages']} pages, {walk['sf_requests']} Salesforce requests, "
         f"{walk['seen']} of {n} seen (totalResults {walk['totalResults']}), {walk['wall_s']:.2f} s"
         + (f", errors {walk['errors']}" if walk["errors"] else ""))

    ids = [o["id"] for o in run.outcome.values() if o.get("id")]
    if args.group_patch:
        g = group_push(scim, sf, ids, args.group_patch)
        result["group_push"] = g
        if "error" in g:
            line("group push", g["error"])
        else:
            for phase in ("add", "remove"):
                ph = g[phase]
                line(f"group push: {phase} {g['members']} members, {g['per_patch']} a PATCH",
                     f"{ph['sf_requests']} Salesforce requests, {ph['wall_s']:.2f} s"
                     + (f", {ph['non_204']} not 204" if ph["non_204"] else ""))
                if phase == "add":
                    rd = g["read"]
                    line("group push: GET the group with its members",
                         f"{rd['members_shown']} shown, {rd['sf_requests']} Salesforce requests, "
                         f"{rd['wall_s']:.2f} s")
    names = [email(i) for i in run.people]
    time.sleep(0.5)
    lat = latency(scim, ids[: args.latency_requests], names, args.latency_requests)
    result["latency"] = lat
    for label, v in lat.items():
        line(f"lone {label}", f"p50 {v['p50_ms']:.2f} ms, p99 {v['p99_ms']:.2f} ms"
             + (f" ({v['non_200']} not 200)" if v["non_200"] else ""))
    print()
    return result


def summary(path: str) -> None:
    rows = [json.loads(x) for x in open(path, encoding="utf-8") if x.strip()]
    if not rows:
        return
    print("== summary ==")
    hdr = (f"{'people':>7} {'conc':>5} {'faults':>6} {'wall s':>8} {'ops/s':>7} {'SF/person':>9} "
           f"{'failures':>8} {'dupes':>5} {'records':>7} {'walk pages':>10} {'walk SF':>7} "
           f"{'get p50/p99 ms':>15} {'filter p50/p99 ms':>17}")
    print(hdr)
    for r in rows:
        lat = r.get("latency", {})
        g = lat.get("GET /Users/{id}", {})
        f = lat.get("filter userName eq", {})
        w = r.get("page_walk", {})
        print(f"{r['people']:>7} {r['concurrency']:>5} {r['faults']:>6g} {r['wall_s']:>8.2f} "
              f"{r['ops_per_s']:>7.0f} {r['sf_per_person']:>9.2f} {r['failures']:>8} "
              f"{r['duplicates']:>5} {r['records']:>7} {w.get('pages', 0):>10} "
              f"{w.get('sf_requests', 0):>7} "
              f"{g.get('p50_ms', float('nan')):>7.2f}/{g.get('p99_ms', float('nan')):<7.2f} "
              f"{f.get('p50_ms', float('nan')):>8.2f}/{f.get('p99_ms', float('nan')):<8.2f}")
        if r.get("faults"):
            a = r.get("after_retry", {})
            print(f"{'':>7} failures by status: {fmt_counter(collections.Counter(r['failures_by_status']))}; "
                  f"false successes {r.get('false_successes')}, not retryable {r.get('non_retryable')}; "
                  f"after one retry pass: {a.get('failures_left')} failures left, "
                  f"{a.get('duplicates')} dupes, {a.get('records')} records, "
                  f"{a.get('false_successes')} false successes")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scim", help="the connection's SCIM base, e.g. http://127.0.0.1:18777/scim/v2/contacts")
    p.add_argument("--token", help="the connection's inbound bearer token")
    p.add_argument("--salesforce", help="the emulator's base URL")
    p.add_argument("--people", type=int, default=10_000)
    p.add_argument("--concurrency", default="1,16,64", help="comma-separated levels")
    p.add_argument("--faults", type=float, default=0.0,
                   help="rate of injected SERVER_UNAVAILABLE/UNABLE_TO_LOCK_ROW, e.g. 0.1")
    p.add_argument("--first", type=int, default=1, help="the first person's number")
    p.add_argument("--latency-requests", type=int, default=200)
    p.add_argument("--client-id", default="demo-client-id")
    p.add_argument("--client-secret", default="demo-client-secret")
    p.add_argument("--refresh-token", default="demo-refresh-token")
    p.add_argument("--group-patch", type=int, default=1000,
                   help="after the sync, push every person into one group, N members a PATCH (0: skip)")
    p.add_argument("--json-out", help="append one JSON line per run to this file")
    p.add_argument("--summary", metavar="FILE", help="print the runs in FILE as a table and exit")
    args = p.parse_args()
    if args.summary:
        summary(args.summary)
        return 0
    if not (args.scim and args.token and args.salesforce):
        p.error("--scim, --token and --salesforce are required")
    try:
        levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    except ValueError:
        p.error(f"--concurrency {args.concurrency!r}: comma-separated numbers")
    if args.people < 1 or not levels or min(levels) < 1 or not 0 <= args.faults < 1:
        p.error("--people and every concurrency level must be ≥ 1, --faults in [0, 1)")
    try:
        sf = Salesforce(args.salesforce, args.client_id, args.client_secret, args.refresh_token)
        scim = Client(args.scim, {"Authorization": f"Bearer {args.token}",
                                  "Content-Type": "application/scim+json",
                                  "Accept": "application/scim+json"})
        status, body = scim.request("GET", "/Users?count=1")
        if status != 200:
            raise SetupError(f"GET {args.scim}/Users?count=1 answered {status}: {body}")
        for k, c in enumerate(levels):
            result = one_run(args, scim, sf, args.first + k * args.people, c)
            if args.json_out:
                with open(args.json_out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(result) + "\n")
    except SetupError as e:
        print(f"sync.py: setup failed: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
