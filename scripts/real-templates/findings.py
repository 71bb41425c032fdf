"""Writes CORPUS/snapshot/get-finding-v2.MyRole.json: one unused-access finding for role MyRole in
which every second action (catalogue order) of every service the corpus's templates mention is
unused, so that binding every template to MyRole exercises removals and narrowing everywhere.
Usage: findings.py CORPUS IAMTRIM (the iamtrim binary, for `iamtrim expand`)."""
import json, os, re, subprocess, sys
corpus, iamtrim = sys.argv[1], sys.argv[2]
svcs = set()
for f in os.listdir(corpus):
    p = os.path.join(corpus, f)
    if os.path.isdir(p): continue
    t = open(p, errors='replace').read()
    for m in re.finditer(r"['\"\s\[,]([a-z0-9-]{2,30}):[A-Za-z*]", t):
        svcs.add(m.group(1))
details = []
for s in sorted(svcs):
    r = subprocess.run([iamtrim, 'expand', s + ':*'], capture_output=True, text=True)
    acts = [l.strip().split(':', 1)[1] for l in r.stdout.splitlines() if l.strip().startswith(s + ':')]
    if not acts: continue
    unused = acts[::2]
    details.append({"unusedPermissionDetails": {"serviceNamespace": s, "actions": [{"action": a} for a in unused], "lastAccessed": "2024-05-02T11:04:51+00:00"}})
f = json.load(open(os.path.join(os.path.dirname(__file__), '..', '..', 'examples', 'aws-blog', 'snapshot', 'get-finding-v2.MyRole.json')))
f['findingDetails'] = details
os.makedirs(os.path.join(corpus, 'snapshot'), exist_ok=True)
json.dump(f, open(os.path.join(corpus, 'snapshot', 'get-finding-v2.MyRole.json'), 'w'), indent=1)
print(len(details), 'services')
