#!/usr/bin/env python3
"""Checks deploy/monitoring against the code: every metric the alert rules and the Grafana
dashboard query is one a service exports. A renamed metric would otherwise leave an alert that
can never fire and a panel that stays empty.

Known metrics: every `label: "…"` of a swift-metrics Counter, Gauge, Meter, Recorder or Timer in
Shared/ and Services/, plus Hummingbird's MetricsMiddleware ones (dots become underscores in the
Prometheus exposition; histograms add _bucket, _sum and _count).
Usage: scripts/check-monitoring.py   (exit 1 naming each unknown metric)"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
HUMMINGBIRD = {"hb_requests", "hb_request_errors", "http_server_request_duration", "http_server_active_requests"}
LABEL = re.compile(r'\b(?:Counter|Gauge|Meter|Recorder|Timer)\(\s*label:\s*"([a-z0-9_.]+)"')
METRIC = re.compile(r"\b((?:tract|hb|http_server)_[a-z0-9_]+)\b")


def known_metrics():
    names = set(HUMMINGBIRD)
    for folder in ("Shared", "Services"):
        for source in (ROOT / folder).rglob("*.swift"):
            names.update(name.replace(".", "_") for name in LABEL.findall(source.read_text()))
    return names


def used_metrics():
    uses = []
    rules = yaml.safe_load((ROOT / "deploy/monitoring/prometheus-rules.yaml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            uses += [(f"rule {rule['alert']}", name) for name in METRIC.findall(rule["expr"])]
    dashboard = json.loads((ROOT / "deploy/monitoring/grafana-dashboard.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            uses += [(f"panel {panel['title']!r}", name) for name in METRIC.findall(target["expr"])]
    return uses


def main():
    known = known_metrics()
    problems = []
    uses = used_metrics()
    for where, name in uses:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in known and base not in known:
            problems.append(f"{where}: {name} is exported by no service")
    for problem in problems:
        print(problem)
    if not uses:
        problems.append("no metrics used at all")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
