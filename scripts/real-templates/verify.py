#!/usr/bin/env python3
"""Compare original and fixed templates: both load as YAML (CFN tags tolerated); with every
Action/NotAction value and every statement removed, the rest is identical."""
import os, sys, yaml, json

class L(yaml.SafeLoader): pass
def tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode): v = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode): v = loader.construct_sequence(node, deep=True)
    else: v = loader.construct_mapping(node, deep=True)
    return {"!" + suffix: v}
L.add_multi_constructor('!', tag)

def load(p):
    t = open(p, encoding='utf-8-sig').read()
    if p.endswith('.json'): return json.loads(t)
    return yaml.load(t, Loader=L)

def strip(v):
    if isinstance(v, dict):
        if 'Statement' in v and isinstance(v['Statement'], list):
            v = dict(v); v['Statement'] = '<stmts>'
        return {k: strip(x) for k, x in v.items() if k not in ('Action', 'NotAction')}
    if isinstance(v, list): return [strip(x) for x in v]
    return v

a, b = sys.argv[1], sys.argv[2]
bad = 0; changed = 0
for f in sorted(os.listdir(a)):
    pa, pb = os.path.join(a, f), os.path.join(b, f)
    if os.path.isdir(pa): continue
    ta, tb = open(pa, 'rb').read(), open(pb, 'rb').read()
    if ta == tb: continue
    changed += 1
    try:
        va = load(pa)
    except Exception as e:
        print('ORIG-UNLOADABLE', f, str(e)[:80]); continue
    try:
        vb = load(pb)
    except Exception as e:
        print('FIXED-INVALID', f, str(e)[:200]); bad += 1; continue
    if strip(va) != strip(vb):
        print('NON-ACTION-CHANGE', f); bad += 1
print('changed', changed, 'bad', bad)
sys.exit(1 if bad else 0)
