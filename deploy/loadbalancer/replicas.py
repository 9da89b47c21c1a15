#!/usr/bin/env python3
"""Replicas behind a real load balancer: one Salesforce emulator, three `scim-bridge serve`
replicas and HAProxy in front (health-checking `/readyz`), driven the way an IdP drives the
bridge. Prints its figures and exits non-zero if any claim fails.

1. Initial sync: PEOPLE people provisioned through the balancer as Entra and Okta do it
   (`userName eq` look-up, then POST), 8 at a time. Halfway, one replica is killed with
   SIGKILL. Requests that fail are retried as an IdP retries them (a POST answered 409 after a
   retry means the first attempt landed: the look-up finds the person). Claims: every person is
   provisioned after retries, and Salesforce holds each exactly once (0 duplicates, 0 lost).
2. Rolling restart: while PATCH and GET requests run without pause (and without any client
   retry), each replica in turn gets SIGTERM, exits 0, is started again and waits until
   `/readyz` passes. Claim: 0 failed requests.

    deploy/loadbalancer/replicas.py --bridge target/debug/scim-bridge \\
        --emulator target/debug/salesforce-emulator [--people 2000]

Needs `haproxy` on PATH (Debian's package). Standard library only.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

TOKEN = "replicas-scim-token-0123456789"
ADMIN = "replicas-admin-token-0123456789"
SCIM = "application/scim+json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=70):
    """One HTTP request on a new connection: (status, parsed JSON or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = SCIM
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        raw = res.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return res.status, parsed
    finally:
        conn.close()


def wait_for(port, path, want=200, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if request(port, "GET", path, timeout=2)[0] == want:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"127.0.0.1:{port}{path} did not answer {want} within {seconds} s")


class Replica:
    def __init__(self, binary, work, n, sf_url, drain):
        self.binary, self.n = binary, n
        self.port = free_port()
        self.config = os.path.join(work, f"replica{n}.toml")
        self.log = os.path.join(work, f"replica{n}.log")
        with open(self.config, "w") as f:
            f.write(f"""listen = "127.0.0.1:{self.port}"
admin_token = "{ADMIN}"
shutdown_drain_secs = {drain}
trusted_proxies = ["127.0.0.1"]
[connections.contacts]
record_type = "Contact"
[connections.contacts.salesforce]
domain = "{sf_url}"
client_id = "demo-client-id"
client_secret = "demo-client-secret"
refresh_token = "demo-refresh-token"
[connections.contacts.inbound]
bearer_tokens = ["{TOKEN}"]
""")
        self.proc = None

    def start(self):
        log = open(self.log, "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--config", self.config, "--workers", "2"],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": "warn"})
        wait_for(self.port, "/readyz")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self):
        """SIGTERM; returns the exit code and how long the process took to exit."""
        started = time.time()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=90)
        return code, time.time() - started

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def haproxy_config(lb_port, replicas):
    servers = "\n".join(
        f"  server r{r.n} 127.0.0.1:{r.port} check" for r in replicas)
    # Health checks on /readyz every 300 ms (one failure takes a replica out, two passes bring
    # it back); a connection refused by a dead or stopping replica is retried on another
    # (redispatch), and so may be a request a dying replica never answered (empty-response):
    # a POST resent that way, or by the IdP, whose first attempt landed is a 409 (the key
    # field is unique in Salesforce), and the IdP's look-up then finds the person.
    return f"""global
  maxconn 2048
defaults
  mode http
  timeout connect 2s
  timeout client 90s
  timeout server 90s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  option http-server-close
frontend scim
  bind 127.0.0.1:{lb_port}
  default_backend bridges
backend bridges
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 300ms fastinter 300ms downinter 300ms fall 1 rise 2
{servers}
"""


def idp_body(i):
    user = f"lb{i}@example.com"
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user,
        "name": {"givenName": "Lb", "familyName": f"Person{i}"},
        "emails": [{"value": user, "type": "work", "primary": True}],
        "active": True,
    }


class Idp:
    """SCIM calls through the balancer, counted; `retries` as an IdP retries a failure."""

    def __init__(self, lb_port):
        self.lb = lb_port
        self.lock = threading.Lock()
        self.sent = 0
        self.failed_attempts = 0
        self.failed_after_retries = 0
        self.retried_posts_409 = 0
        self.statuses = {}

    def call(self, method, path, body=None, retries=0):
        for attempt in range(retries + 1):
            try:
                status, parsed = request(self.lb, method, path, body,
                                         {"Authorization": f"Bearer {TOKEN}", "Accept": SCIM})
            except OSError as e:
                status, parsed = 0, {"error": str(e)}
            with self.lock:
                self.sent += 1
                self.statuses[status] = self.statuses.get(status, 0) + 1
            bad = status == 0 or status >= 500 or status == 429
            if not bad:
                return status, parsed, attempt
            with self.lock:
                self.failed_attempts += 1
            if attempt < retries:
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
        with self.lock:
            self.failed_after_retries += 1
        return status, parsed, retries

    def provision(self, i):
        """Entra's and Okta's sequence: look up by userName, create if absent. Answers the id."""
        user = f"lb{i}@example.com"
        q = urllib.parse.quote(f'userName eq "{user}"')
        base = "/scim/v2/contacts/Users"
        for _ in range(5):
            status, found, _ = self.call("GET", f"{base}?filter={q}", retries=6)
            if status == 200 and found.get("totalResults"):
                return found["Resources"][0]["id"]
            body = idp_body(i)
            status, created, _ = self.call("POST", base, body, retries=6)
            if status == 201:
                return created["id"]
            if status == 409:
                # A resent POST (by HAProxy or by us) whose first attempt landed: the look-up
                # finds the person.
                with self.lock:
                    self.retried_posts_409 += 1
                continue
            raise RuntimeError(f"create of {user} answered {status}: {created}")
        raise RuntimeError(f"{user} could not be provisioned")


def salesforce_contacts(sf_port):
    """Every Contact's key, read straight from the emulator's REST API (all pages)."""
    conn = http.client.HTTPConnection("127.0.0.1", sf_port, timeout=30)
    form = urllib.parse.urlencode({
        "grant_type": "refresh_token", "client_id": "demo-client-id",
        "client_secret": "demo-client-secret", "refresh_token": "demo-refresh-token"})
    conn.request("POST", "/services/oauth2/token", body=form,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(conn.getresponse().read())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    path = "/services/data/v62.0/query?q=" + urllib.parse.quote(
        "SELECT Id, SCIM_Key__c FROM Contact")
    keys = []
    while path:
        conn.request("GET", path, headers=headers)
        page = json.loads(conn.getresponse().read())
        keys += [r.get("SCIM_Key__c") for r in page["records"]]
        path = page.get("nextRecordsUrl")
    conn.close()
    return keys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bridge", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--restart-load-seconds", type=float, default=0)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="scim-bridge-replicas-")
    sf_port, lb_port = free_port(), free_port()
    procs = []
    replicas = []
    ok = True
    try:
        emulator = subprocess.Popen(
            [args.emulator, "--port", str(sf_port),
             "--custom-field", "Contact.Active__c:checkbox:true",
             "--custom-field", "Contact.SCIM_Key__c:text:255:external_id:unique",
             "--custom-field", "Contact.SCIM_External_Id__c:text:255:external_id",
             "--daily-limit", "10000000"],
            stdout=open(os.path.join(work, "emulator.log"), "w"), stderr=subprocess.STDOUT)
        procs.append(emulator)
        wait_for(sf_port, "/services/data/")
        sf_url = f"http://127.0.0.1:{sf_port}"
        replicas = [Replica(args.bridge, work, n, sf_url, drain=2) for n in (1, 2, 3)]
        for r in replicas:
            r.start()
        cfg = os.path.join(work, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(haproxy_config(lb_port, replicas))
        haproxy = subprocess.Popen(["haproxy", "-f", cfg, "-db"],
                                   stdout=open(os.path.join(work, "haproxy.log"), "w"),
                                   stderr=subprocess.STDOUT)
        procs.append(haproxy)
        wait_for(lb_port, "/readyz")
        time.sleep(1)  # every server's first checks have passed

        # 1. Initial sync with a replica killed halfway.
        idp = Idp(lb_port)
        killed = threading.Event()
        in_flight = {}
        done = [0]
        done_lock = threading.Lock()

        def one(i):
            person = idp.provision(i)
            with done_lock:
                done[0] += 1
                kill_now = done[0] == args.people // 2 and not killed.is_set()
                if kill_now:
                    killed.set()
            if kill_now:
                # Slow Salesforce's creates for a moment and send one straight to replica 2, so
                # that it dies with that request (and whatever HAProxy gave it) in flight; then
                # SIGKILL it. The IdP then retries the lost request through the balancer.
                request(sf_port, "POST", "/__emulator/faults",
                        {"delay_ms": 1000, "count": 12, "method": "POST", "path": "/composite"})
                lost = {}

                def direct():
                    try:
                        lost["status"] = request(
                            replicas[1].port, "POST", "/scim/v2/contacts/Users",
                            idp_body(args.people),
                            {"Authorization": f"Bearer {TOKEN}"})[0]
                    except OSError as e:
                        lost["error"] = str(e)

                t = threading.Thread(target=direct)
                t.start()
                time.sleep(0.5)
                replicas[1].kill9()
                t.join()
                in_flight["lost"] = "error" in lost
                in_flight["id"] = idp.provision(args.people)
            return person

        started = time.time()
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(one, range(args.people)))
        sync_secs = time.time() - started
        keys = salesforce_contacts(sf_port)
        total = args.people + 1  # and the person whose create was in flight at the kill
        ids.append(in_flight.get("id"))
        want = {f"lb{i}@example.com" for i in range(total)}
        dupes = len(keys) - len(set(keys))
        lost = len(want - set(k for k in keys if k))
        print(f"initial sync through HAProxy: {total} people in {sync_secs:.1f} s "
              f"({total / sync_secs:.0f}/s), replica 2 killed with SIGKILL after "
              f"{args.people // 2}, with a create in flight on it "
              f"({'lost, then retried through the balancer' if in_flight.get('lost') else 'NOT lost'})")
        print(f"  requests {idp.sent}, failed attempts {idp.failed_attempts} (retried as an "
              f"IdP does), failed after retries {idp.failed_after_retries}, POSTs answered 409 "
              f"because a resent attempt had landed, then found by the look-up "
              f"{idp.retried_posts_409}")
        print(f"  Salesforce: {len(keys)} Contacts, {dupes} duplicates, {lost} people lost, "
              f"{len(set(ids))} distinct ids answered; statuses {sorted(idp.statuses.items())}")
        if not in_flight.get("lost"):
            ok = False
            print("  FAILED: the kill did not cut the request in flight on replica 2, so it proved nothing")
        if dupes or lost or idp.failed_after_retries or len(set(ids)) != total \
                or len(keys) != total:
            ok = False
            print("  FAILED: the initial sync lost, duplicated or failed people")

        # 2. Rolling restart under load, without client retries.
        replicas[1].start()
        time.sleep(1)
        load = Idp(lb_port)
        stop = threading.Event()

        def worker(seed):
            rnd = random.Random(seed)
            while not stop.is_set():
                person = rnd.choice(ids)
                if rnd.random() < 0.5:
                    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                            "Operations": [{"op": "replace", "path": "title",
                                            "value": f"T{rnd.randint(0, 999)}"}]}
                    status, _, _ = load.call("PATCH", f"/scim/v2/contacts/Users/{person}", body)
                else:
                    status, _, _ = load.call("GET", f"/scim/v2/contacts/Users/{person}")

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
        for t in threads:
            t.start()
        restarts = []
        started = time.time()
        for r in replicas:
            time.sleep(1)
            code, secs = r.terminate()
            r.start()
            time.sleep(0.7)  # HAProxy's two passing checks
            restarts.append((r.n, code, secs))
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join()
        roll_secs = time.time() - started
        print(f"rolling restart: SIGTERM each replica in turn, restart, wait for /readyz; "
              f"{roll_secs:.1f} s under load")
        for n, code, secs in restarts:
            print(f"  replica {n}: exit {code} {secs:.1f} s after SIGTERM")
        print(f"  requests {load.sent}, failed {load.failed_attempts} (no client retries); "
              f"statuses {sorted(load.statuses.items())}")
        if load.failed_attempts or any(code != 0 for _, code, _ in restarts):
            ok = False
            print("  FAILED: requests failed or a replica did not exit 0")
    finally:
        for r in replicas:
            r.stop()
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    if not ok:
        print(f"logs in {work}")
        sys.exit(1)
    print("replicas behind HAProxy: passed")


if __name__ == "__main__":
    main()
