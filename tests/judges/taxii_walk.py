#!/usr/bin/env python3
"""Walk a TAXII 2.1 server with taxii2-client (the OASIS reference client) and print what
it saw as one JSON document. Usage: taxii_walk.py BASE USER PASSWORD BUNDLE_OUT"""
import json
import sys

from taxii2client.v21 import Server, as_pages

base, user, pw, bundle_out = sys.argv[1:5]
server = Server(f"{base}/taxii2/", user=user, password=pw)
out = {"title": server.title, "collections": {}}
everything = []
for root in server.api_roots:
    out["versions"] = root.versions
    for coll in root.collections:
        c = {"id": coll.id, "can_read": coll.can_read, "can_write": coll.can_write}
        pages, objects = 0, []
        for env in as_pages(coll.get_objects, per_request=3):
            pages += 1
            objects += env.get("objects", [])
        c["pages"], c["objects"] = pages, len(objects)
        c["ids_unique"] = len({o["id"] for o in objects}) == len(objects)
        c["types"] = sorted({o["type"] for o in objects})
        c["values"] = sorted(o.get("pattern", "") for o in objects if o["type"] == "indicator")
        man = coll.get_manifest(limit=5)
        c["manifest_first"] = man.get("objects", [])[:1]
        # Incremental polling: continue after the first page's last date.
        first = coll.get_objects(limit=4)
        last = max(m["date_added"] for m in coll.get_manifest(limit=4)["objects"])
        rest = []
        for env in as_pages(coll.get_objects, per_request=50, added_after=last):
            rest += env.get("objects", [])
        c["first_plus_rest"] = len(first["objects"]) + len(rest)
        c["identities"] = len(coll.get_objects(type="identity").get("objects", []))
        ind = next(o for o in objects if o["type"] == "indicator")
        c["one"] = len(coll.get_object(ind["id"]).get("objects", []))
        c["versions"] = coll.object_versions(ind["id"]).get("versions", [])
        c["version_is_modified"] = c["versions"] == [ind["modified"]]
        out["collections"][coll.title] = c
        everything += [o for o in objects if o["id"] not in {e["id"] for e in everything}]
json.dump({"type": "bundle", "id": "bundle--6a0e2c1a-3f5e-4a9b-8c4d-2e1f0a9b8c7d", "objects": everything},
          open(bundle_out, "w"))
print(json.dumps(out))
