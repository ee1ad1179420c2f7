#!/usr/bin/env python3
"""Checks rendered Kubernetes manifests (kubectl kustomize output) for what an operator relies on:
every Deployment has readiness, liveness and startup probes and a memory limit on each container,
runs as non-root with a read-only root filesystem, and has a PodDisruptionBudget and a
HorizontalPodAutoscaler of its own; every Deployment is selected by a NetworkPolicy.
Usage: check-manifests.py FILE...   (exit 1 naming each gap)"""
import sys

import yaml


def main(paths):
    problems = []
    for path in paths:
        docs = [d for d in yaml.safe_load_all(open(path)) if d]
        by_kind = {}
        for doc in docs:
            by_kind.setdefault(doc["kind"], []).append(doc)
        hpa_targets = {d["spec"]["scaleTargetRef"]["name"] for d in by_kind.get("HorizontalPodAutoscaler", [])}
        pdb_selectors = [d["spec"]["selector"]["matchLabels"] for d in by_kind.get("PodDisruptionBudget", [])]
        policy_selectors = [d["spec"]["podSelector"].get("matchLabels", {}) for d in by_kind.get("NetworkPolicy", [])]
        for deployment in by_kind.get("Deployment", []):
            name = deployment["metadata"]["name"]
            pod = deployment["spec"]["template"]
            labels = pod["metadata"]["labels"]
            where = f"{path}: Deployment {name}"

            def selects(selector):
                return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

            spec = pod["spec"]
            if not spec.get("securityContext", {}).get("runAsNonRoot"):
                problems.append(f"{where}: not runAsNonRoot")
            for container in spec["containers"]:
                for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                    if probe not in container:
                        problems.append(f"{where}: container {container['name']} has no {probe}")
                if "memory" not in container.get("resources", {}).get("limits", {}):
                    problems.append(f"{where}: container {container['name']} has no memory limit")
                if not container.get("securityContext", {}).get("readOnlyRootFilesystem"):
                    problems.append(f"{where}: container {container['name']} has a writable root filesystem")
            if name not in hpa_targets:
                problems.append(f"{where}: no HorizontalPodAutoscaler")
            if not any(selects(s) for s in pdb_selectors):
                problems.append(f"{where}: no PodDisruptionBudget")
            if not any(selects(s) for s in policy_selectors):
                problems.append(f"{where}: no NetworkPolicy selects its pods")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
