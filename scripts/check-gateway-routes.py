#!/usr/bin/env python3
"""Every public path a service documents reaches that service through the gateway.

Reads deploy/gateway/routes.txt (the one route map) and each service's OpenAPI fragments
(Services/<Service>/Library/Resources/openapi.json and OpenAPI/*.json) and checks that the longest route prefix
matching each /v1/ path names the service that documents it. A new route family the map was not
told about (the gateway would answer 404 "No service owns this path") fails here, before a user
finds it. Standard library only.
"""
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent


def routes():
    table = []
    for line in (REPO / "deploy/gateway/routes.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in ("route", "stream"):
            table.append((parts[1], parts[2]))
    return table


def owner(path, table):
    # Path templates: a "{param}" segment stands for any text, so compare the literal part.
    literal = path.split("{")[0]
    matches = [(prefix, service) for prefix, service in table
               if (path.startswith(prefix) or literal.startswith(prefix)) or (prefix.rstrip("/") == path.rstrip("/"))]
    return max(matches, key=lambda m: len(m[0]))[1] if matches else None


def main():
    table = routes()
    problems = []
    checked = 0
    for folder in sorted((REPO / "Services").iterdir()):
        service = folder.name.lower()
        resources = folder / "Library/Resources"
        for fragment in sorted(resources.glob("openapi.json")) + sorted((resources / "OpenAPI").glob("*.json")):
            for path in json.loads(fragment.read_text()).get("paths", {}):
                if not path.startswith("/v1/"):
                    continue
                checked += 1
                found = owner(path, table)
                if found != service:
                    problems.append(f"{path} ({fragment.relative_to(REPO)}) goes to {found or 'no service'}, not {service}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(f"{len(problems)} documented path(s) the gateway does not send to their service")
    print(f"{checked} documented paths each reach their service")


if __name__ == "__main__":
    main()
