#!/usr/bin/env python3
"""Generate a benchmark corpus: N policy files bound to N roles, a snapshot with a finding per
role, and an iamtrim.toml. Deterministic (seeded), offline; reads action names from
data/catalog.txt.

    python3 scripts/gen-corpus.py 10000 /tmp/corpus [--bind-per-file] [--findings-per-file=500]

The policies are named after their roles (policies/app-00042.json for role app-00042), so one
templated [[bind]] covers them all; --bind-per-file writes one [[bind]] table per file instead
(the shape of a repository whose file names do not follow its role names).

The snapshot is a folder of raw AWS CLI outputs: one `get-finding-v2` output a file, or with
--findings-per-file=N arrays of N of them (snapshot/findings-0000.json, ...), the shape of a
folder the CLI's outputs were saved into as they came.
"""
import json
import os
import random
import sys

SERVICES = ["s3", "dynamodb", "lambda", "sqs", "sns", "logs", "kms", "ecr", "ssm", "ec2", "iam", "sts"]


def catalog(path):
    services, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if line.startswith("["):
                cur = line[1:-1]
                services[cur] = []
            elif cur in SERVICES:
                services[cur].append(line.split(" ")[0])
    return {s: services[s] for s in SERVICES}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    per_file = "--bind-per-file" in sys.argv[1:]
    group = next((int(a.split("=", 1)[1]) for a in sys.argv[1:]
                  if a.startswith("--findings-per-file=")), 0)
    groups = []
    n = int(args[0])
    out = args[1]
    rng = random.Random(42)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cat = catalog(os.path.join(root, "data", "catalog.txt"))
    os.makedirs(os.path.join(out, "policies"), exist_ok=True)
    os.makedirs(os.path.join(out, "snapshot"), exist_ok=True)
    binds = []
    for i in range(n):
        role = f"arn:aws:iam::123456789012:role/app-{i:05d}"
        statements, used_services = [], rng.sample(SERVICES, 3)
        details = []
        for svc in used_services:
            names = cat[svc]
            actions = []
            for _ in range(4):
                a = rng.choice(names)
                actions.append(f"{svc}:{a}" if rng.random() < 0.6 else f"{svc}:{a[:3]}*")
            statements.append({"Effect": "Allow", "Action": sorted(set(actions)), "Resource": "*"})
            unused = rng.sample(names, max(1, len(names) // 10))
            details.append({"unusedPermissionDetails": {"serviceNamespace": svc,
                            "actions": [{"action": a} for a in unused]}})
        with open(os.path.join(out, "policies", f"app-{i:05d}.json"), "w") as f:
            json.dump({"Version": "2012-10-17", "Statement": statements}, f, indent=2)
            f.write("\n")
        finding = {"analyzedAt": "2026-11-18T07:00:01+00:00", "id": f"id-{i}", "resource": role,
                   "resourceType": "AWS::IAM::Role", "status": "ACTIVE",
                   "findingType": "UnusedPermission", "findingDetails": details}
        if group:
            groups.append(finding)
            if len(groups) == group or i == n - 1:
                name = f"findings-{i // group:04d}.json"
                with open(os.path.join(out, "snapshot", name), "w") as f:
                    json.dump(groups, f, indent=2)
                groups = []
        else:
            with open(os.path.join(out, "snapshot", f"app-{i:05d}.json"), "w") as f:
                json.dump(finding, f)
        binds.append(f'[[bind]]\nfiles = ["policies/app-{i:05d}.json"]\nprincipals = ["{role}"]\n')
    if not per_file:
        binds = ['[[bind]]\nfiles = ["policies/*.json"]\n'
                 'principals = ["arn:aws:iam::123456789012:role/{stem}"]\n']
    with open(os.path.join(out, "iamtrim.toml"), "w") as f:
        f.write('snapshot = "snapshot"\nmax-snapshot-age = "36500d"\n\n' + "\n".join(binds))


if __name__ == "__main__":
    main()
