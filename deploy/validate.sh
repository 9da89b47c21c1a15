#!/usr/bin/env bash
# Validates everything under deploy/ without a cluster, a Prometheus or a Grafana:
#
#   1. every manifest in deploy/kubernetes/ against the Kubernetes OpenAPI schemas of the
#      versions in K8S_VERSIONS, strictly (an unknown field, such as a mistyped
#      readOnlyRootFileSystem, is an error), with kubernetes-validate from PyPI, which bundles
#      the schemas and so works offline once installed;
#   2. what a schema cannot see: the Deployment, Service, PodDisruptionBudget, ConfigMap and
#      kustomization agree with each other and with the bridge's configuration (ports, probe
#      paths, mount paths, selectors, grace period against request_deadline_secs, the security
#      context, requests and limits);
#   3. the TOML in the ConfigMap parses (tomllib), has the keys a Kubernetes deployment needs,
#      and names only keys the bridge knows (read from src/config/raw.rs); every secret is a
#      *_file under the Secret's mount, and README.md's `kubectl create secret` names exactly
#      those files;
#   4. the Grafana dashboard and the Prometheus rules: JSON / YAML structure, every PromQL
#      expression parsed (promql-parser from PyPI), naming only metrics the bridge registers
#      (read from src/telemetry.rs) with their labels, or `up`;
#   5. a negative self-check: deliberately broken copies (an unknown Kubernetes field, a wrong
#      type, an unknown TOML key, an unknown metric, a PromQL syntax error) must each be
#      rejected, so this script cannot pass by checking nothing.
#
# Optional: SCIM_BRIDGE_BIN=path/to/scim-bridge also runs `scim-bridge check-config` on the
# ConfigMap's TOML, with throwaway secret files (and an RSA key from openssl) in a temp dir.
# It is opt-in because a stale binary rejects keys the current code accepts.
#
# Usage: deploy/validate.sh            (from anywhere; exits non-zero on any failure)
# Environment:
#   K8S_VERSIONS   Kubernetes versions to validate against (default "1.30.0 1.33.0")
#   PYTHON         the Python (3.11+) that creates the venv (default python3)
#   VENV           the venv (default ${TMPDIR:-/tmp}/scim-bridge-deploy-venv; reused when its
#                  pinned packages match, so only the first run needs the package registry)
set -Eeuo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$DEPLOY_DIR/.." && pwd)"
K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.33.0}"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-${TMPDIR:-/tmp}/scim-bridge-deploy-venv}"

# Pinned, so that CI validates with what was validated here. kubernetes-validate 1.37.0 bundles
# the schemas of Kubernetes 1.25 to 1.37.
REQUIREMENTS=(
  "kubernetes-validate==1.37.0"
  "PyYAML==6.0.4"
  "promql-parser==0.12.0"
)

started=$SECONDS
# tomllib (the ConfigMap's TOML) is in the standard library from Python 3.11 on.
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "deploy/validate.sh needs Python 3.11 or later as \$PYTHON (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [[ ! -x "$VENV/bin/python" ]] \
  || ! cmp -s <(printf '%s\n' "${REQUIREMENTS[@]}") "$VENV/.scim-bridge-requirements" 2>/dev/null; then
  echo "==> creating $VENV (${REQUIREMENTS[*]})"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
  printf '%s\n' "${REQUIREMENTS[@]}" >"$VENV/.scim-bridge-requirements"
else
  echo "==> reusing $VENV"
fi
checks_started=$SECONDS

export DEPLOY_DIR REPO_DIR K8S_VERSIONS
export SCIM_BRIDGE_BIN="${SCIM_BRIDGE_BIN:-}"
export KUBERNETES_VALIDATE="$VENV/bin/kubernetes-validate"

"$VENV/bin/python" - <<'PY'
import copy
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import promql_parser
import yaml

DEPLOY = Path(os.environ["DEPLOY_DIR"])
REPO = Path(os.environ["REPO_DIR"])
K8S = DEPLOY / "kubernetes"
VERSIONS = os.environ["K8S_VERSIONS"].split()
KV = os.environ["KUBERNETES_VALIDATE"]

failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL {msg}")


def ok(msg):
    print(f"ok   {msg}")


def section(title):
    print(f"\n==> {title}")


# --------------------------------------------------------------------------------------------
# 1. Kubernetes schemas (kubernetes-validate, strict).
# --------------------------------------------------------------------------------------------
def kubernetes_validate(paths, version):
    """Runs the validator; returns (problems, passed): the lines that are not a pass, and the
    resources that passed. A kind without a bundled schema is only a WARN to the tool, and a
    problem here."""
    r = subprocess.run([KV, "--strict", "-k", version, *map(str, paths)],
                       capture_output=True, text=True)
    lines = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    problems = [l for l in lines if not l.startswith("INFO ")]
    passed = [l for l in lines if l.startswith("INFO ") and " passed for resource " in l]
    if r.returncode != 0 and not problems:
        problems.append(f"kubernetes-validate exited {r.returncode}")
    return problems, passed


manifests = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
docs = {}  # file name -> list of documents
for p in manifests:
    try:
        docs[p.name] = [d for d in yaml.safe_load_all(p.read_text()) if d is not None]
    except yaml.YAMLError as e:
        fail(f"{p.name}: not YAML: {e}")
expected = sum(len(v) for v in docs.values())
kv_version = subprocess.run([KV, "--version"], capture_output=True, text=True).stdout.strip()

section(f"Kubernetes schemas (kubernetes-validate {kv_version}, strict) for {len(manifests)} manifests")
for version in VERSIONS:
    problems, passed = kubernetes_validate(manifests, version)
    for l in problems:
        fail(f"Kubernetes {version}: {l}")
    for l in passed:
        print(f"     {l[5:]}")
    if len(passed) != expected:
        fail(f"Kubernetes {version}: {len(passed)} resources passed, {expected} expected")
    elif not problems:
        ok(f"Kubernetes {version}: {len(passed)} resources valid")


def by_kind(kind):
    found = [(f, d) for f, ds in docs.items() for d in ds if d.get("kind") == kind]
    if len(found) != 1:
        fail(f"expected exactly one {kind}, found {len(found)}")
        return {}
    return found[0][1]


deployment = by_kind("Deployment")
service = by_kind("Service")
pdb = by_kind("PodDisruptionBudget")
configmap = by_kind("ConfigMap")
namespace = by_kind("Namespace")
serviceaccount = by_kind("ServiceAccount")


def dig(obj, *path, default=None):
    for k in path:
        if isinstance(obj, dict) and k in obj:
            obj = obj[k]
        elif isinstance(obj, list) and isinstance(k, int) and k < len(obj):
            obj = obj[k]
        else:
            return default
    return obj


# --------------------------------------------------------------------------------------------
# 3 (first, the rest needs it). The configuration in the ConfigMap.
# --------------------------------------------------------------------------------------------
SECRET_DIR = "/run/secrets/scim-bridge"


def raw_config_schema():
    """Field names of the Raw* structs in src/config/raw.rs, keyed by the TOML table they
    describe: the keys the bridge accepts (any other is reported as a typo at start)."""
    src = (REPO / "src/config/raw.rs").read_text()
    structs = {}
    for name, body in re.findall(r"pub struct (Raw\w+) \{(.*?)\n\}", src, re.S):
        structs[name] = {f for f in re.findall(r"pub (\w+):", body) if f != "unknown"}
    tables = {"": "RawConfig", "connection": "RawConnection", "salesforce": "RawSalesforce",
              "inbound": "RawInbound", "policy": "RawPolicy", "disable": "RawDisable",
              "removal_guard": "RawRemovalGuard", "mapping": "RawMappingRow"}
    missing = [s for s in tables.values() if s not in structs]
    if missing:
        raise SystemExit(f"src/config/raw.rs no longer defines {missing}: update deploy/validate.sh")
    return {t: structs[s] for t, s in tables.items()}


def unknown_toml_keys(cfg, schema):
    bad = [f"{k}" for k in cfg if k not in schema[""]]
    for name, conn in (cfg.get("connections") or {}).items():
        p = f"connections.{name}"
        bad += [f"{p}.{k}" for k in conn if k not in schema["connection"]]
        for table in ("salesforce", "inbound", "policy", "disable", "removal_guard"):
            bad += [f"{p}.{table}.{k}" for k in (conn.get(table) or {}) if k not in schema[table]]
        for i, row in enumerate(conn.get("mapping") or []):
            bad += [f"{p}.mapping[{i}].{k}" for k in row if k not in schema["mapping"]]
    return bad


def secret_files(cfg):
    """Every *_file key of the configuration, as (key path, file path)."""
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif path.endswith("_file"):
            out.append((path, node))

    walk(cfg, "")
    return out


def check_config(toml_text, schema, label):
    try:
        cfg = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as e:
        return None, [f"{label}: TOML does not parse: {e}"]
    errors = [f"{label}: unknown key {k}" for k in unknown_toml_keys(cfg, schema)]
    want = {"listen": "0.0.0.0:8080", "metrics_listen": "0.0.0.0:9090", "log_format": "json"}
    for k, v in want.items():
        if cfg.get(k) != v:
            errors.append(f"{label}: {k} is {cfg.get(k)!r}, expected {v!r}")
    if not str(cfg.get("public_url", "")).startswith("https://"):
        errors.append(f"{label}: public_url must be the https origin the IdPs reach")
    proxies = cfg.get("trusted_proxies")
    if not proxies:
        errors.append(f"{label}: trusted_proxies missing")
    for p in proxies or []:
        try:
            ipaddress.ip_network(p)
        except ValueError:
            errors.append(f"{label}: trusted_proxies entry {p!r} is not an address or CIDR")
    for k in ("admin_token_file", "token_signing_secret_file", "request_deadline_secs"):
        if k not in cfg:
            errors.append(f"{label}: {k} missing")
    conns = cfg.get("connections") or {}
    for name, record in (("contacts", "Contact"), ("leads", "Lead")):
        if name not in conns:
            errors.append(f"{label}: connection {name} missing")
        elif conns[name].get("record_type") != record:
            errors.append(f"{label}: connections.{name}.record_type should be {record}")
    for name, c in conns.items():
        sf = c.get("salesforce") or {}
        for k in ("domain", "client_id"):
            if k not in sf:
                errors.append(f"{label}: connections.{name}.salesforce.{k} missing")
        # A rotating refresh token must be writable and owned by one process: not on a
        # read-only Secret shared by every replica (see the ConfigMap's comment).
        for k in ("refresh_token", "refresh_token_file"):
            if k in sf:
                errors.append(f"{label}: connections.{name}.salesforce.{k}: replicas must not share a refresh token; use the JWT bearer flow or client credentials")
        jwt = "jwt_username" in sf and "jwt_private_key_file" in sf
        cc = "client_secret_file" in sf
        if not (jwt or cc):
            errors.append(f"{label}: connections.{name}.salesforce needs the JWT bearer flow or client credentials")
        for k in ("client_secret", "jwt_private_key", "access_token"):
            if k in sf:
                errors.append(f"{label}: connections.{name}.salesforce.{k}: secrets belong in files")
        inbound = c.get("inbound") or {}
        for k in ("bearer_tokens", "basic_password", "oauth_client_secret"):
            if k in inbound:
                errors.append(f"{label}: connections.{name}.inbound.{k}: secrets belong in files")
        if not ({"bearer_tokens_file", "oauth_client_secret_file", "basic_password_file"} & set(inbound)):
            errors.append(f"{label}: connections.{name}.inbound has no credential file")
    for k in ("admin_token", "token_signing_secret"):
        if k in cfg:
            errors.append(f"{label}: {k}: secrets belong in files")
    for key, path in secret_files(cfg):
        if not str(path).startswith(SECRET_DIR + "/"):
            errors.append(f"{label}: {key} = {path!r} is not under the Secret mount {SECRET_DIR}")
    return cfg, errors


section("Configuration in the ConfigMap (tomllib; keys from src/config/raw.rs)")
schema = raw_config_schema()
toml_text = dig(configmap, "data", "config.toml", default="")
cfg, errors = check_config(toml_text, schema, "configmap.yaml config.toml")
for e in errors:
    fail(e)
cfg = cfg or {}
secrets = {Path(p).name for _, p in secret_files(cfg)}
if not errors:
    conns = ", ".join(f"{n} -> {c.get('record_type')}" for n, c in cfg.get("connections", {}).items())
    ok(f"config.toml parses; connections {conns}; every key known to the bridge; "
       f"{len(secrets)} secrets, all *_file under {SECRET_DIR}")

readme = (K8S / "README.md").read_text()
m = re.search(r"kubectl[^\n]*create secret generic (\S+)((?:[^\n]*\\\n)*[^\n]*)", readme)
if not m:
    fail("README.md has no `kubectl create secret generic` command")
else:
    named = set(re.findall(r"--from-file=([\w.-]+)=", m.group(2)))
    if named != secrets:
        fail(f"README.md's create-secret names {sorted(named)}, config.toml reads {sorted(secrets)}")
    secret_name = m.group(1)
    mounted = [v for v in dig(deployment, "spec", "template", "spec", "volumes", default=[]) if "secret" in v]
    if not mounted or mounted[0]["secret"].get("secretName") != secret_name:
        fail(f"README.md creates Secret {secret_name}, the Deployment mounts {[v['secret'].get('secretName') for v in mounted]}")
    elif named == secrets:
        ok(f"README.md's `kubectl create secret generic {secret_name}` names exactly the {len(secrets)} files config.toml reads")

# --------------------------------------------------------------------------------------------
# 2. What the schemas cannot see: the manifests against each other and the configuration.
# --------------------------------------------------------------------------------------------
section("Manifests against each other and the configuration")


def quantity(q):
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(q))
    if not m or m.group(2) not in {**units, "": 1}:
        raise ValueError(f"unreadable quantity {q!r}")
    return float(m.group(1)) * units.get(m.group(2), 1)


def port_of(addr):
    return int(str(addr).rsplit(":", 1)[1])


def check_manifests(dep, svc, pdb, cm, ns, sa, cfg):
    errs = []

    def want(cond, msg):
        if not cond:
            errs.append(msg)

    spec = dig(dep, "spec", default={})
    pod = dig(spec, "template", "spec", default={})
    pod_labels = dig(spec, "template", "metadata", "labels", default={})
    annotations = dig(spec, "template", "metadata", "annotations", default={})
    containers = pod.get("containers", [])
    want(len(containers) == 1, "the pod should have exactly one container")
    c = containers[0] if containers else {}
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}

    want(spec.get("replicas") == 3, "Deployment replicas should be 3")
    want(dig(spec, "selector", "matchLabels", default={}).items() <= pod_labels.items(),
         "Deployment selector does not match its pod labels")
    ru = dig(spec, "strategy", "rollingUpdate", default={})
    want(dig(spec, "strategy", "type") == "RollingUpdate" and ru.get("maxUnavailable") == 0
         and ru.get("maxSurge") == 1, "strategy should be RollingUpdate maxSurge 1, maxUnavailable 0")

    # The bridge's listeners and the pod's ports, annotations, probes and Service.
    want(ports.get("http") == port_of(cfg.get("listen", ":0")),
         f"container port http {ports.get('http')} != listen {cfg.get('listen')}")
    want(ports.get("metrics") == port_of(cfg.get("metrics_listen", ":0")),
         f"container port metrics {ports.get('metrics')} != metrics_listen {cfg.get('metrics_listen')}")
    want(annotations.get("prometheus.io/scrape") == "true", "prometheus.io/scrape should be \"true\"")
    want(annotations.get("prometheus.io/port") == str(ports.get("metrics")),
         "prometheus.io/port should be the metrics port")
    want(annotations.get("prometheus.io/path") == "/metrics", "prometheus.io/path should be /metrics")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        want(dig(c, probe, "httpGet", "path") == path, f"{probe} should GET {path}")
        want(dig(c, probe, "httpGet", "port") in ("http", ports.get("http")),
             f"{probe} should probe the main port")
    want("lifecycle" not in c, "no preStop hook: the bridge handles SIGTERM itself")
    svc_ports = {p.get("name"): p for p in dig(svc, "spec", "ports", default=[])}
    want(dig(svc_ports, "http", "port") == 80 and dig(svc_ports, "http", "targetPort") in ("http", ports.get("http")),
         "Service port http should be 80 -> the container's http port")
    want(dig(svc_ports, "metrics", "targetPort") in ("metrics", ports.get("metrics")),
         "Service port metrics should target the container's metrics port")
    want(dig(svc, "spec", "selector", default={None: None}).items() <= pod_labels.items(),
         "Service selector does not match the pod labels")
    want(dig(pdb, "spec", "selector", "matchLabels", default={None: None}).items() <= pod_labels.items(),
         "PodDisruptionBudget selector does not match the pod labels")
    want(dig(pdb, "spec", "minAvailable") == 2 or dig(pdb, "spec", "maxUnavailable") == 1,
         "PodDisruptionBudget should keep 2 of 3 (minAvailable 2 or maxUnavailable 1)")
    spread = pod.get("topologySpreadConstraints", [])
    want(any(t.get("topologyKey") == "kubernetes.io/hostname" for t in spread),
         "replicas should be spread across nodes")
    for t in spread:
        want(dig(t, "labelSelector", "matchLabels", default={None: None}).items() <= pod_labels.items(),
             f"topology spread on {t.get('topologyKey')} does not select the pods")

    # Stopping: the grace period covers the drain (readiness failing while requests are still
    # served), then the longest request, plus the bridge's 1 s.
    deadline = cfg.get("request_deadline_secs", 50)
    drain = cfg.get("shutdown_drain_secs", 0)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    want(grace >= max(60, drain + deadline + 1 + 5),
         f"terminationGracePeriodSeconds {grace} should be >= 60 and >= shutdown_drain_secs ({drain}) + request_deadline_secs ({deadline}) + 1 s + margin")
    probe = c.get("readinessProbe", {})
    noticed = probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)
    want(drain >= noticed,
         f"shutdown_drain_secs ({drain}) should cover the readiness probe's period x failureThreshold ({noticed} s), so the Service drops the pod before its listener closes")

    # Security context: restricted Pod Security Standard and more.
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    want(psc.get("runAsNonRoot") is True and csc.get("runAsNonRoot") is True, "runAsNonRoot should be true")
    want(psc.get("runAsUser") == 10001, "runAsUser should be the image's user 10001 (Dockerfile)")
    want(dig(psc, "seccompProfile", "type") == "RuntimeDefault", "pod seccompProfile should be RuntimeDefault")
    want(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem should be true")
    want(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation should be false")
    want(dig(csc, "capabilities", "drop") == ["ALL"] and not dig(csc, "capabilities", "add"),
         "capabilities should drop ALL and add none")
    want(pod.get("automountServiceAccountToken") is False and sa.get("automountServiceAccountToken") is False,
         "automountServiceAccountToken should be false on the pod and its service account")
    want(pod.get("serviceAccountName") == dig(sa, "metadata", "name"), "the pod should use the scim-bridge service account")
    want(dig(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce") == "restricted",
         "the namespace should enforce the restricted Pod Security Standard")

    # Resources: both requests and limits, limits not below requests.
    res = c.get("resources", {})
    for kind in ("cpu", "memory"):
        r, l = dig(res, "requests", kind), dig(res, "limits", kind)
        if r is None or l is None:
            errs.append(f"resources need requests and limits for {kind}")
            continue
        try:
            want(quantity(l) >= quantity(r), f"{kind} limit {l} is below its request {r}")
        except ValueError as e:
            errs.append(str(e))

    # Mounts: the config file and the Secret where config.toml and the args expect them.
    args = c.get("args", [])
    conf = args[args.index("--config") + 1] if "--config" in args[:-1] else None
    want(args[:1] == ["serve"] and conf, "args should be serve --config FILE")
    mounts = {m.get("name"): m for m in c.get("volumeMounts", [])}
    vols = {v.get("name"): v for v in pod.get("volumes", [])}
    cm_vol = next((v for v in vols.values() if "configMap" in v), {})
    cm_mount = mounts.get(cm_vol.get("name"), {})
    want(cm_vol and dig(cm_vol, "configMap", "name") == dig(cm, "metadata", "name"),
         "the config volume should mount the ConfigMap")
    want(conf and cm_mount.get("mountPath") == str(Path(conf).parent) and cm_mount.get("readOnly") is True,
         f"the ConfigMap should be mounted read-only at the directory of --config {conf}")
    items = [i.get("path") for i in dig(cm_vol, "configMap", "items", default=[])]
    want(not items or Path(conf or "").name in items, "the ConfigMap volume does not project the config file")
    want("config.toml" in dig(cm, "data", default={}), "the ConfigMap has no config.toml")
    sec_vol = next((v for v in vols.values() if "secret" in v), {})
    sec_mount = mounts.get(sec_vol.get("name"), {})
    want(sec_mount.get("mountPath") == SECRET_DIR and sec_mount.get("readOnly") is True,
         f"the Secret should be mounted read-only at {SECRET_DIR}")
    mode = dig(sec_vol, "secret", "defaultMode", default=0o644)
    want(mode & 0o007 == 0, f"Secret files should not be world-readable (defaultMode {oct(mode)})")
    for m in c.get("volumeMounts", []):
        want(m.get("readOnly") is True, f"volume mount {m.get('name')} should be read-only")

    # Every namespaced object in one namespace.
    name = dig(ns, "metadata", "name")
    for o in (dep, svc, pdb, cm, sa):
        want(dig(o, "metadata", "namespace") == name,
             f"{o.get('kind')} should be in namespace {name}")
    return errs


errs = check_manifests(deployment, service, pdb, configmap, namespace, serviceaccount, cfg)
for e in errs:
    fail(e)
if not errs:
    res = dig(deployment, "spec", "template", "spec", "containers", 0, "resources")
    ok("Deployment, Service, PodDisruptionBudget, ConfigMap, ServiceAccount and Namespace agree: "
       f"ports 8080/9090 = listen/metrics_listen, probes /healthz and /readyz, grace "
       f"{dig(deployment, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds')} s >= "
       f"{cfg.get('request_deadline_secs')} + 1 s, non-root read-only, requests {res['requests']} limits {res['limits']}")

kust = yaml.safe_load((K8S / "kustomization.yaml").read_text())
listed = kust.get("resources", [])
if sorted(listed) != sorted(p.name for p in manifests):
    fail(f"kustomization.yaml resources {sorted(listed)} != manifests {sorted(p.name for p in manifests)}")
elif kust.get("namespace") != dig(namespace, "metadata", "name"):
    fail("kustomization.yaml namespace differs from namespace.yaml")
elif dig(deployment, "spec", "template", "spec", "containers", 0, "image") not in [i.get("name") for i in kust.get("images", [])]:
    fail("kustomization.yaml images does not name the Deployment's image")
else:
    ok(f"kustomization.yaml lists all {len(listed)} manifests, namespace {kust['namespace']}, image override")

# --------------------------------------------------------------------------------------------
# 4. Grafana dashboard and Prometheus rules.
# --------------------------------------------------------------------------------------------
def registered_metrics():
    """Metric name -> label names, from the registrations in src/telemetry.rs (a name
    literal followed by its help text, then the label array)."""
    src = (REPO / "src/telemetry.rs").read_text()
    out = {}
    for m in re.finditer(r'"(scim_bridge_\w+)",\s*"', src):
        labels = re.search(r"&\[([^\]]*)\]", src[m.end():])
        out[m.group(1)] = set(re.findall(r'"(\w+)"', labels.group(1))) if labels else set()
    if not out:
        raise SystemExit("no metric registrations found in src/telemetry.rs: update deploy/validate.sh")
    series = {}
    for name, labels in out.items():
        if name.endswith("_seconds"):  # histograms
            series[name + "_bucket"] = labels | {"le"}
            series[name + "_sum"] = labels
            series[name + "_count"] = labels
        else:
            series[name] = labels
    return series


# Labels Prometheus adds to every scraped series (target labels of the scrape jobs in
# deploy/kubernetes/README.md).
TARGET_LABELS = {"job", "instance", "namespace", "pod"}
METRICS = registered_metrics()
METRICS["up"] = set()
# What the dashboard and the rules were written against; the bridge must still register each.
EXPECTED = {
    "scim_bridge_scim_requests_total", "scim_bridge_scim_request_duration_seconds_bucket",
    "scim_bridge_salesforce_requests_total", "scim_bridge_salesforce_retries_total",
    "scim_bridge_token_grants_total", "scim_bridge_salesforce_api_requests_used",
    "scim_bridge_salesforce_api_requests_limit", "scim_bridge_policy_refusals_total",
    "scim_bridge_outcomes_total", "scim_bridge_removals_held",
}
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h",
                "$connection": ".*", "$job": "scim-bridge", "${connection}": ".*"}


def out_labels(node):
    """The label names a PromQL expression's result carries; None when unknown (all of a
    selector's labels)."""
    P = promql_parser
    if isinstance(node, (P.VectorSelector, P.MatrixSelector)):
        return None
    if isinstance(node, (P.ParenExpr, P.UnaryExpr, P.SubqueryExpr)):
        return out_labels(node.expr)
    if isinstance(node, P.AggregateExpr):
        mod = node.modifier
        if mod is None:
            return set()
        return set(mod.labels) if mod.type == P.AggModifierType.By else None
    if isinstance(node, P.Call):
        if node.func.name in ("vector", "time", "scalar"):
            return set()
        vec = [a for a in node.args if not isinstance(a, (P.NumberLiteral, P.StringLiteral))]
        inner = out_labels(vec[-1]) if vec else set()
        if node.func.name == "histogram_quantile" and inner is not None:
            inner = inner - {"le"}
        return inner
    if isinstance(node, P.BinaryExpr):
        if isinstance(node.lhs, P.NumberLiteral):
            return out_labels(node.rhs)
        return out_labels(node.lhs)
    return set()


def check_expr(expr, where):
    errs = []
    text = expr
    for var, value in GRAFANA_VARS.items():
        text = text.replace(var, value)
    if "$" in re.sub(r'"[^"]*"', "", text):
        errs.append(f"{where}: unknown template variable in {expr!r}")
    try:
        ast = promql_parser.parse(text)
    except ValueError as e:
        return [f"{where}: PromQL does not parse ({e}): {expr!r}"], None, set()
    used = set()

    def visit(n):
        if isinstance(n, promql_parser.VectorSelector):
            used.add(n.name)
            known = METRICS.get(n.name)
            if known is None:
                errs.append(f"{where}: {n.name!r} is neither a scim_bridge_ metric the bridge registers nor up")
                return
            for m in n.matchers.matchers:
                if m.name not in known | TARGET_LABELS:
                    errs.append(f"{where}: {n.name} has no label {m.name!r}")
        if isinstance(n, promql_parser.AggregateExpr) and n.modifier is not None:
            inner = set()
            promql_parser.walk(n.expr, lambda x: inner.update(METRICS.get(x.name, set()))
                               if isinstance(x, promql_parser.VectorSelector) else None)
            for l in n.modifier.labels:
                if l not in inner | TARGET_LABELS:
                    errs.append(f"{where}: aggregates by {l!r}, a label none of its metrics has")

    promql_parser.walk(ast, visit)
    return errs, ast, used


def check_dashboard(dash):
    errs, exprs, used = [], 0, set()
    if not isinstance(dash, dict) or not dash.get("uid") or not dash.get("title"):
        return ["dashboard needs a title and a uid"], 0, used
    variables = {v.get("name"): v for v in dig(dash, "templating", "list", default=[])}
    if dig(variables, "datasource", "type") != "datasource" or dig(variables, "datasource", "query") != "prometheus":
        errs.append("dashboard needs a Prometheus `datasource` template variable")
    conn_q = dig(variables, "connection", "definition", default="")
    if not conn_q.startswith("label_values(") or "connection" not in conn_q:
        errs.append("dashboard needs a `connection` variable from label_values")
    panels, ids = [], set()
    for p in dash.get("panels", []):
        panels.append(p)
        panels.extend(p.get("panels", []))
    for p in panels:
        where = f"panel {p.get('title')!r}"
        if p.get("id") in ids:
            errs.append(f"{where}: duplicate id {p.get('id')}")
        ids.add(p.get("id"))
        if p.get("type") == "row":
            continue
        if dig(p, "datasource", "uid") != "${datasource}":
            errs.append(f"{where}: datasource should be the ${{datasource}} variable")
        if not p.get("targets"):
            errs.append(f"{where}: no query")
        for t in p.get("targets", []):
            exprs += 1
            if dig(t, "datasource", "uid") != "${datasource}":
                errs.append(f"{where}: target datasource should be ${{datasource}}")
            e, _, u = check_expr(t.get("expr", ""), where)
            errs += e
            used |= u
    return errs, exprs, used


section("Grafana dashboard deploy/grafana/scim-bridge.json")
missing = EXPECTED - set(METRICS)
if missing:
    fail(f"src/telemetry.rs no longer registers {sorted(missing)}")
try:
    dashboard = json.loads((DEPLOY / "grafana/scim-bridge.json").read_text())
except (OSError, json.JSONDecodeError) as e:
    dashboard = None
    fail(f"scim-bridge.json: {e}")
if dashboard is not None:
    errs, n, used = check_dashboard(dashboard)
    for e in errs:
        fail(e)
    unused = EXPECTED - used
    if unused:
        fail(f"dashboard shows nothing of {sorted(unused)}")
    if not errs and not unused:
        ok(f"{len([p for p in dashboard['panels'] if p.get('type') != 'row'])} panels, {n} PromQL queries parse and use only "
           f"up and scim_bridge_ metrics the bridge registers ({len(used) - ('up' in used)} of them), with their labels")

DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def check_rules(doc):
    errs, n, used = [], 0, set()
    if not isinstance(doc, dict) or set(doc) != {"groups"} or not isinstance(doc["groups"], list):
        return ["alerts.yaml should have exactly one top-level key, groups (a list)"], 0, used
    names = set()
    for g in doc["groups"]:
        if not g.get("name") or not isinstance(g.get("rules"), list) or not g["rules"]:
            errs.append(f"group {g.get('name')!r}: needs a name and rules")
            continue
        for r in g["rules"]:
            n += 1
            where = f"rule {r.get('alert')!r}"
            extra = set(r) - {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
            if extra or "record" in r:
                errs.append(f"{where}: unexpected keys {sorted(extra)}")
            if not r.get("alert") or r["alert"] in names:
                errs.append(f"{where}: needs a unique alert name")
            names.add(r.get("alert"))
            if "for" in r and not DURATION.match(str(r["for"])):
                errs.append(f"{where}: `for` {r['for']!r} is not a Prometheus duration")
            if dig(r, "labels", "severity") not in ("warning", "critical"):
                errs.append(f"{where}: labels.severity should be warning or critical")
            ann = r.get("annotations") or {}
            if not ann.get("summary") or not ann.get("description"):
                errs.append(f"{where}: needs annotations summary and description")
            e, ast, u = check_expr(str(r.get("expr", "")), where)
            errs += e
            used |= u
            if ast is not None:
                have = out_labels(ast)
                for text in ann.values():
                    if text.count("{{") != text.count("}}"):
                        errs.append(f"{where}: unbalanced {{{{ }}}} in an annotation")
                    for l in re.findall(r"\$labels\.(\w+)", text):
                        if have is not None and l not in have:
                            errs.append(f"{where}: annotation uses $labels.{l}, which the expression's result does not carry ({sorted(have)})")
    return errs, n, used


section("Prometheus rules deploy/prometheus/alerts.yaml")
try:
    rules = yaml.safe_load((DEPLOY / "prometheus/alerts.yaml").read_text())
except (OSError, yaml.YAMLError) as e:
    rules = None
    fail(f"alerts.yaml: {e}")
if rules is not None:
    errs, n, used = check_rules(rules)
    for e in errs:
        fail(e)
    alerts = [r["alert"] for g in rules.get("groups", []) for r in g.get("rules", []) if "alert" in r]
    needed = {"ScimBridgeApiAllowanceAbove80Percent", "ScimBridgeTokenGrantsRefused",
              "ScimBridgeTokenGrantsFailing", "ScimBridgeScim5xxRatioHigh",
              "ScimBridgeRemovalsHeld", "ScimBridgeReplicaNotReady", "ScimBridgeReplicaDown"}
    if needed - set(alerts):
        fail(f"alerts.yaml lacks {sorted(needed - set(alerts))}")
    undocumented = [a for a in alerts if a not in readme]
    if undocumented:
        fail(f"README.md does not mention {undocumented}")
    if not errs and not (needed - set(alerts)) and not undocumented:
        ok(f"{n} alerting rules: structure, durations, severities, PromQL parses, only up and "
           f"scim_bridge_ metrics, annotation labels carried by each result; all named in README.md")

# --------------------------------------------------------------------------------------------
# Optional: the bridge's own check-config on the ConfigMap's TOML.
# --------------------------------------------------------------------------------------------
binary = os.environ.get("SCIM_BRIDGE_BIN")
section("scim-bridge check-config")
if not binary:
    print("skip (set SCIM_BRIDGE_BIN to a current scim-bridge binary to run it)")
else:
    with tempfile.TemporaryDirectory() as tmp:
        sec = Path(tmp, "secrets")
        sec.mkdir()
        for name in secrets:
            f = sec / name
            if name.endswith(".pem"):
                subprocess.run(["openssl", "genrsa", "-out", str(f), "2048"], check=True, capture_output=True)
            else:
                f.write_text("throwaway-" + "x" * 40 + "\n")
        conf = Path(tmp, "config.toml")
        conf.write_text(toml_text.replace(SECRET_DIR + "/", str(sec) + "/"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCIM_BRIDGE_")}
        r = subprocess.run([binary, "check-config", "--config", str(conf)], capture_output=True, text=True, env=env)
        out = (r.stdout + r.stderr).strip()
        if r.returncode != 0:
            fail(f"scim-bridge check-config: {out}")
        else:
            ok(f"{binary} check-config: {out.replace(str(conf), 'config.toml')}")

# --------------------------------------------------------------------------------------------
# 5. Negative self-check: each broken copy must be rejected.
# --------------------------------------------------------------------------------------------
section("Negative self-check (each broken copy must be rejected)")


def expect_rejected(label, errors):
    if errors:
        ok(f"rejected {label}: {errors[0][:150]}")
    else:
        fail(f"NOT rejected: {label}; the check above would pass anything like it")


with tempfile.TemporaryDirectory() as tmp:
    text = (K8S / "deployment.yaml").read_text()
    typo = text.replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true")
    wrong = text.replace("replicas: 3", 'replicas: "three"')
    if typo == text or wrong == text:
        fail("the negative self-check no longer finds what it breaks in deployment.yaml")
    for label, body in (("an unknown field (readOnlyRootFileSystem)", typo), ("a wrong type (replicas: \"three\")", wrong)):
        broken = Path(tmp, "deployment.yaml")
        broken.write_text(body)
        problems, _ = kubernetes_validate([broken], VERSIONS[-1])
        expect_rejected(f"deployment.yaml with {label}", problems)

bad_toml = toml_text.replace("metrics_listen =", "metrics_listn =")
expect_rejected("config.toml with an unknown key (metrics_listn)", check_config(bad_toml, schema, "broken")[1])
shared = toml_text.replace("jwt_username =", 'refresh_token_file = "/run/secrets/scim-bridge/rt"\njwt_username =', 1)
expect_rejected("config.toml with a refresh token the replicas would share",
                check_config(shared, schema, "broken")[1] if shared != toml_text else [])
bad_dep = copy.deepcopy(deployment)
bad_dep["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False
expect_rejected("a writable root filesystem", check_manifests(bad_dep, service, pdb, configmap, namespace, serviceaccount, cfg))
bad_dep = copy.deepcopy(deployment)
bad_dep["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 30
expect_rejected("a grace period below request_deadline_secs", check_manifests(bad_dep, service, pdb, configmap, namespace, serviceaccount, cfg))
if dashboard is not None:
    bad = copy.deepcopy(dashboard)
    t = next(p for p in bad["panels"] if p.get("targets"))["targets"][0]
    t["expr"] = "rate(process_cpu_seconds_total[5m])"
    expect_rejected("a dashboard query on a metric that is not the bridge's", check_dashboard(bad)[0])
    t["expr"] = "sum by (connection) (rate(scim_bridge_scim_requests_total[5m])"
    expect_rejected("a dashboard query with a PromQL syntax error", check_dashboard(bad)[0])
    t["expr"] = 'sum(rate(scim_bridge_scim_requests_total{stauts="500"}[5m]))'
    expect_rejected("a dashboard query on a label the metric lacks", check_dashboard(bad)[0])
if rules is not None:
    bad = copy.deepcopy(rules)
    bad["groups"][0]["rules"][0]["annotations"]["summary"] = "{{ $labels.instance }}"
    expect_rejected("an alert annotation naming a label its expression drops", check_rules(bad)[0])

print()
if failures:
    print(f"deploy/validate.sh: {len(failures)} failure(s)")
    sys.exit(1)
print("deploy/validate.sh: all checks passed")
PY
echo "(checks took $((SECONDS - checks_started)) s; $((checks_started - started)) s to create or reuse the venv)"
