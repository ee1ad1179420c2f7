#!/usr/bin/env python3
"""Rows for docs/authorization-matrix.txt (issue 18).

  scripts/authz-matrix.py --missing   rows for documented operations the matrix lacks, with a
                                      proposed outcome per caller, under their [service] heading
  scripts/authz-matrix.py --stale     rows whose operation no document has any more

The documents are merged as OpenAPIDocument.build does (the kit's openapi-base.json, the service's
openapi.json, then OpenAPI/*.json in name order). A proposal is a guess from the path and the
operation's `security`; paste it into the matrix, then run AuthorizationMatrixTests, which sends
every row's requests to the real services and prints a table of what differs.
"""
import argparse
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = ["auth", "properties", "investments", "communications", "analytics"]
METHODS = ["get", "put", "post", "patch", "delete"]
COLUMNS = "anonymous other-user owner sponsor admin service"
MATRIX = os.path.join(ROOT, "docs", "authorization-matrix.txt")


def merge(base, extra):
    if isinstance(base, dict) and isinstance(extra, dict):
        for key, value in extra.items():
            base[key] = merge(base[key], value) if key in base else value
        return base
    return extra


def document(service):
    with open(os.path.join(ROOT, "Shared/ServiceKit/Resources/openapi-base.json")) as file:
        merged = json.load(file)
    folder = os.path.join(ROOT, "Services", service.capitalize(), "Library", "Resources")
    for path in [os.path.join(folder, "openapi.json")] + sorted(glob.glob(os.path.join(folder, "OpenAPI", "*.json"))):
        if os.path.exists(path):
            with open(path) as file:
                merged = merge(merged, json.load(file))
    return merged


def documented():
    operations = {}
    for service in SERVICES:
        for path, item in document(service).get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    operations[(service, method.upper(), path)] = item[method]
    return operations


def listed():
    rows, service = set(), None
    with open(MATRIX) as file:
        for line in file:
            fields = line.split("#", 1)[0].split()
            if len(fields) == 1 and fields[0].startswith("["):
                service = fields[0][1:-1]
            elif len(fields) >= 2 and service:
                rows.add((service, fields[0], fields[1]))
    return rows


def propose(method, path, operation):
    """anonymous other-user owner sponsor admin service, as a first guess."""
    security = operation.get("security")
    anonymous_allowed = security is None or security == [] or {} in security
    text = (operation.get("summary", "") + " " + operation.get("description", "")).lower()
    if path.startswith("/internal/"):
        return "401 403 403 403 403 403  # which peer holds the scope? then ok@<peer>"
    if anonymous_allowed:
        return "ok ok ok ok ok ok"
    if "/admin/" in path or text.startswith("staff") or "(staff)" in text:
        return "401 403 403 403 ok 403"
    # A path naming a resource is the owner's: others get 404 (its existence is not revealed).
    other = "404" if re.search(r"\{[^}]+\}", path) else "ok"
    return f"401 {other} ok ok ok 403"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--missing", action="store_true", help="propose rows for undocumented operations")
    parser.add_argument("--stale", action="store_true", help="rows whose operation is no longer documented")
    arguments = parser.parse_args()
    if not (arguments.missing or arguments.stale):
        parser.print_help()
        return 2
    operations, rows = documented(), listed()
    found = False
    if arguments.missing:
        heading = None
        for key in sorted(set(operations) - rows, key=lambda k: (k[0], k[2], k[1])):
            service, method, path = key
            if service != heading:
                print(f"[{service}]   # {COLUMNS}")
                heading = service
            print(f"{method:<7}{path:<72} {propose(method, path, operations[key])}")
            found = True
    if arguments.stale:
        for service, method, path in sorted(rows - set(operations)):
            print(f"stale: [{service}] {method} {path}")
            found = True
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
