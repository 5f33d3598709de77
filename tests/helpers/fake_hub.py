"""A stand-in for the Hub's HTTP API, enough for create_repo, upload_folder and collections.

It speaks the routes huggingface_hub 2.x calls: repo creation, README metadata validation (as the
Hub validates it: tests/helpers/hub_metadata.py), preupload (regular vs LFS), the NDJSON commit and
collections; LFS files go through Xet when hf_xet is installed (the default: the write-token route
here and the CAS service in tests/helpers/fake_xet.py) or through the git-LFS batch API with
"basic" transfer (a PUT per object) when HF_HUB_DISABLE_XET=1. Every Hub request must carry
`Authorization: Bearer <token>` (except the LFS PUT, a presigned URL on the real Hub); CAS requests
carry the Xet access token instead, never the Hub token. Stored files and a request log (method,
path, body) are kept so a test can check bytes and look for the token anywhere it must not be.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.helpers.fake_xet import XetStore, token_json
from tests.helpers.hub_metadata import validate_readme

PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
LFS_SUFFIXES = (".safetensors", ".parquet", ".png", ".bin")


@dataclass
class FakeHub:
    token: str
    repos: dict = field(default_factory=dict)  # (repo_type, repo_id) -> {"files": {path: bytes}, ...}
    lfs: dict = field(default_factory=dict)  # sha256 -> bytes
    collections: dict = field(default_factory=dict)  # slug -> collection json
    log: list = field(default_factory=list)  # {"method", "path", "body"} (headers are not kept)
    lfs_uploads: int = 0
    xet: XetStore = field(default_factory=XetStore)
    validated: list = field(default_factory=list)  # (repo type, errors) per README the client asked about
    echo_auth_on_commit: bool = False  # misbehave: put the Authorization header in an error body

    def start(self):
        handler = type("Handler", (_Handler,), {"hub": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def files(self, repo_type: str, repo_id: str) -> dict[str, bytes]:
        return self.repos[(repo_type, repo_id)]["files"]


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    # -- plumbing --------------------------------------------------------------------------
    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, obj=None, headers=None):
        data = json.dumps(obj if obj is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str):
        body = self._body()
        path, _, query = self.path.partition("?")
        self.hub.log.append({"method": method, "path": self.path, "body": body})
        if path.startswith(("/cas/", "/v1/telemetry")):
            return self._cas(method, path, body)
        if not path.startswith("/_lfs/") and self.headers.get("Authorization") != f"Bearer {self.hub.token}":
            return self._send(401, {"error": "Invalid credentials in Authorization header"})
        for pattern, fn in ROUTES:
            m = re.fullmatch(pattern, path)
            if m and fn.__name__.startswith(method.lower()):
                return fn(self, body, *m.groups())
        return self._send(404, {"error": f"no route {method} {path}"})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    # -- Xet (CAS) -----------------------------------------------------------------------------
    def _cas(self, method: str, path: str, body: bytes):
        if path == "/v1/telemetry":
            return self._send(200, {})
        if self.headers.get("Authorization") != f"Bearer {self.hub.xet.token}":
            return self._send(401, {"error": "CAS requests need the Xet access token"})
        route = path.removeprefix("/cas")
        try:
            if method == "POST" and route.startswith("/v1/xorbs/"):
                self.hub.xet.add_xorb(route.rsplit("/", 1)[1], body)
                return self._send(200, {"was_inserted": True})
            if method == "POST" and route == "/v1/shards":
                self.hub.xet.add_shard(body)
                return self._send(200, {"result": 1})
        except ValueError as e:
            return self._send(400, {"error": str(e)})
        # unknown chunks (dedup query), no upload grants, no v2 shard stream: the client's documented
        # fallbacks to direct xorb upload and /v1/shards
        return self._send(404, {"error": f"no CAS route {method} {route}"})

    def get_xet_token(self, body, types, repo_id, revision):
        if self._repo(types, repo_id) is None:
            return self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        data, headers = token_json(self.hub.xet, self.hub.url)
        return self._send(200, json.loads(data), headers)

    # -- routes ----------------------------------------------------------------------------
    def get_whoami(self, body):
        return self._send(200, {"type": "user", "name": "tester", "orgs": [],
                                "auth": {"accessToken": {"role": "write"}}})

    def post_create_repo(self, body):
        req = json.loads(body)
        repo_type = req.get("type") or "model"
        repo_id = f"{req['organization']}/{req['name']}" if req.get("organization") else req["name"]
        url = f"{self.hub.url}/{PREFIX[repo_type]}{repo_id}"
        if repo_type == "space" and req.get("sdk") not in ("gradio", "static", "docker", "streamlit"):
            return self._send(400, {"error": "a Space needs an sdk"})
        if (repo_type, repo_id) in self.hub.repos:
            return self._send(409, {"error": "You already created this repo", "url": url})
        self.hub.repos[(repo_type, repo_id)] = {"files": {}, "private": req.get("visibility") == "private",
                                                "sdk": req.get("sdk"), "commits": 0}
        return self._send(200, {"url": url, "name": repo_id})

    def post_validate_yaml(self, body):
        req = json.loads(body)
        errors = validate_readme(req["content"], req.get("repoType", "model"))
        self.hub.validated.append((req.get("repoType", "model"), errors))
        return self._send(400 if errors else 200, {"errors": [{"message": e} for e in errors], "warnings": []})

    def _repo(self, types: str, repo_id: str):
        return self.hub.repos.get((types.rstrip("s"), repo_id))

    def post_preupload(self, body, types, repo_id, revision):
        if self._repo(types, repo_id) is None:
            return self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        files = json.loads(body)["files"]
        modes = [{"path": f["path"], "shouldIgnore": False, "oid": None,
                  "uploadMode": "lfs" if f["path"].endswith(LFS_SUFFIXES) else "regular"} for f in files]
        return self._send(200, {"files": modes, "commitOid": "0" * 40})

    def post_lfs_batch(self, body, prefix, repo_id):
        req = json.loads(body)
        assert req["operation"] == "upload" and "basic" in req["transfers"]
        objects = [{"oid": o["oid"], "size": o["size"], "authenticated": True,
                    "actions": {"upload": {"href": f"{self.hub.url}/_lfs/{o['oid']}"}}} for o in req["objects"]]
        return self._send(200, {"transfer": "basic", "objects": objects})

    def put_lfs_object(self, body, oid):
        if hashlib.sha256(body).hexdigest() != oid:
            return self._send(400, {"error": "sha256 mismatch"})
        self.hub.lfs[oid] = body
        self.hub.lfs_uploads += 1
        return self._send(200, {})

    def post_commit(self, body, types, repo_id, revision):
        repo = self._repo(types, repo_id)
        if repo is None:
            return self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        if self.hub.echo_auth_on_commit:
            return self._send(400, {"error": f"bad commit from {self.headers.get('Authorization')}"})
        for line in body.splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "file":
                repo["files"][value["path"]] = base64.b64decode(value["content"])
            elif item["key"] == "lfsFile":
                oid = value["oid"]
                if oid in self.hub.lfs:
                    repo["files"][value["path"]] = self.hub.lfs[oid]
                elif oid in self.hub.xet.files:  # uploaded through Xet: bytes, or their verified hash
                    record = self.hub.xet.files[oid]
                    if record.size != value.get("size", record.size):
                        return self._send(400, {"error": f"{value['path']}: size differs from its Xet upload"})
                    repo["files"][value["path"]] = record.data if record.data is not None else record
                else:
                    return self._send(400, {"error": f"LFS object {oid} was never uploaded"})
        repo["commits"] += 1
        oid = uuid.uuid4().hex + "0" * 8
        return self._send(200, {"commitUrl": f"{self.hub.url}/{repo_id}/commit/{oid}", "commitOid": oid,
                                "success": True})

    def _collection(self, slug):
        return {**self.hub.collections[slug], "lastUpdated": "2025-01-01T00:00:00.000Z"}

    def post_create_collection(self, body):
        req = json.loads(body)
        for slug, c in self.hub.collections.items():
            if c["owner"]["name"] == req["namespace"] and c["title"] == req["title"]:
                return self._send(409, {"error": "Collection already exists", "slug": slug})
        slug = f"{req['namespace']}/{re.sub(r'[^a-z0-9]+', '-', req['title'].lower()).strip('-')}-{uuid.uuid4().hex[:24]}"
        self.hub.collections[slug] = {"slug": slug, "title": req["title"], "description": req.get("description"),
                                      "owner": {"name": req["namespace"]}, "items": [], "position": 0,
                                      "private": bool(req.get("private")), "theme": "blue", "upvotes": 0}
        return self._send(200, self._collection(slug))

    def get_collection(self, body, slug):
        if slug not in self.hub.collections:
            return self._send(404, {"error": "Collection not found"})
        return self._send(200, self._collection(slug))

    def post_collection_item(self, body, slug):
        if slug not in self.hub.collections:
            return self._send(404, {"error": "Collection not found"})
        item = json.loads(body)["item"]
        if (item["type"], item["id"]) not in self.hub.repos:
            return self._send(404, {"error": f"{item['type']} {item['id']} not found"})
        items = self.hub.collections[slug]["items"]
        if any(i["id"] == item["id"] and i["type"] == item["type"] for i in items):
            return self._send(409, {"error": "Item already in collection"})
        items.append({"_id": uuid.uuid4().hex[:24], "id": item["id"], "type": item["type"], "position": len(items)})
        return self._send(200, self._collection(slug))


_REPO = r"([^/]+/[^/]+)"
ROUTES = [
    (r"/api/whoami-v2", _Handler.get_whoami),
    (r"/api/repos/create", _Handler.post_create_repo),
    (r"/api/validate-yaml", _Handler.post_validate_yaml),
    (rf"/api/(models|datasets|spaces)/{_REPO}/xet-write-token/([^/]+)", _Handler.get_xet_token),
    (rf"/api/(models|datasets|spaces)/{_REPO}/preupload/([^/]+)", _Handler.post_preupload),
    (rf"/api/(models|datasets|spaces)/{_REPO}/commit/([^/]+)", _Handler.post_commit),
    (rf"/(datasets/|spaces/)?{_REPO}\.git/info/lfs/objects/batch", _Handler.post_lfs_batch),
    (r"/_lfs/([0-9a-f]{64})", _Handler.put_lfs_object),
    (r"/api/collections", _Handler.post_create_collection),
    (r"/api/collections/([^/]+/[^/]+)/items", _Handler.post_collection_item),
    (r"/api/collections/([^/]+/[^/]+)", _Handler.get_collection),
]
