"""A local stand-in for a Meilisearch server, for the adapter's tests where no server runs.

It is not a search engine. It speaks Meilisearch's HTTP API for the calls the adapter makes,
checks every request the way the server would (authorization header, JSON bodies, known
search parameters, filters only on filterable attributes, a filter grammar subset, primary
keys, settings keys) and answers with the server's shapes: task summaries (202) that stay
``enqueued`` until someone polls ``GET /tasks/<uid>``, so a caller that does not wait does
not see its write; task objects; Meilisearch error objects with their codes.

Matching is naive on purpose: every query word must occur (as a substring, case-folded) in
a searchable attribute; no typos, no ranking beyond "title matches first". Tests of
relevance run against the embedded engine and a real server only.
"""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SEARCH_PARAMS = {"q", "offset", "limit", "page", "hitsPerPage", "filter", "sort", "attributesToRetrieve",
                 "attributesToHighlight", "attributesToCrop", "cropLength", "highlightPreTag",
                 "highlightPostTag", "showRankingScore", "showMatchesPosition", "matchingStrategy",
                 "attributesToSearchOn", "facets", "cropMarker"}
SETTINGS_KEYS = {"searchableAttributes", "filterableAttributes", "sortableAttributes", "rankingRules",
                 "typoTolerance", "pagination", "synonyms", "displayedAttributes", "stopWords"}
_TOKEN = re.compile(r'\s*(\(|\)|\[|\]|,|!=|>=|<=|=|>|<|"(?:[^"\\]|\\.)*"|[^\s()\[\],=<>!]+)')


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, type_: str = "invalid_request"):
        super().__init__(message)
        self.status, self.code, self.message, self.type = status, code, message, type_


class Filter:
    """Parses and evaluates Meilisearch filter expressions (the subset the adapter uses)."""

    def __init__(self, text: str, filterable: set[str]):
        self.tokens, pos = [], 0
        while text[pos:].strip():
            m = _TOKEN.match(text, pos)
            if not m:
                raise ApiError(400, "invalid_search_filter", f"cannot parse filter `{text}` at {pos}")
            self.tokens.append(m.group(1))
            pos = m.end()
        self.pos, self.filterable, self.text = 0, filterable, text
        self.tree = self._or()
        if self.pos != len(self.tokens):
            raise ApiError(400, "invalid_search_filter", f"unexpected `{self.tokens[self.pos]}` in `{text}`")

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected=None):
        tok = self._peek()
        if tok is None or (expected and tok.upper() != expected):
            raise ApiError(400, "invalid_search_filter", f"expected {expected or 'a value'} in `{self.text}`")
        self.pos += 1
        return tok

    def _or(self):
        node = self._and()
        while (self._peek() or "").upper() == "OR":
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self):
        node = self._not()
        while (self._peek() or "").upper() == "AND":
            self._take()
            node = ("and", node, self._not())
        return node

    def _not(self):
        if (self._peek() or "").upper() == "NOT":
            self._take()
            return ("not", self._not())
        if self._peek() == "(":
            self._take()
            node = self._or()
            self._take(")")
            return node
        return self._condition()

    def _value(self):
        tok = self._take()
        if tok.startswith('"'):
            return json.loads(tok)
        if tok in ("true", "false"):
            return tok == "true"
        try:
            return int(tok)
        except ValueError:
            return tok

    def _condition(self):
        attr = self._take()
        if attr not in self.filterable:
            raise ApiError(400, "invalid_search_filter",
                           f"Attribute `{attr}` is not filterable. Available filterable attributes are: "
                           f"`{', '.join(sorted(self.filterable))}`.")
        op = self._take()
        if op.upper() == "IN":
            self._take("[")
            values = []
            while self._peek() != "]":
                values.append(self._value())
                if self._peek() == ",":
                    self._take()
            self._take("]")
            return ("in", attr, values)
        if op not in ("=", "!=", ">=", "<=", ">", "<"):
            raise ApiError(400, "invalid_search_filter", f"unknown operator `{op}`")
        return ("cmp", attr, op, self._value())

    def match(self, doc: dict, node=None) -> bool:
        node = node or self.tree
        kind = node[0]
        if kind == "or":
            return self.match(doc, node[1]) or self.match(doc, node[2])
        if kind == "and":
            return self.match(doc, node[1]) and self.match(doc, node[2])
        if kind == "not":
            return not self.match(doc, node[1])
        value = doc.get(node[1])
        values = value if isinstance(value, list) else [value]
        if kind == "in":
            return any(v in node[2] for v in values)
        _, _, op, expected = node
        ops = {"=": lambda a: a == expected, "!=": lambda a: a != expected,
               ">=": lambda a: a is not None and a >= expected, "<=": lambda a: a is not None and a <= expected,
               ">": lambda a: a is not None and a > expected, "<": lambda a: a is not None and a < expected}
        return any(ops[op](v) for v in values)


class MeiliStandIn:
    """``with MeiliStandIn(key="k") as server: server.url``; ``server.requests`` lists
    (method, path, json body) of every request received."""

    def __init__(self, key: str | None = "test-master-key"):
        self.key = key
        self.indexes: dict[str, dict] = {}
        self.tasks: list[dict] = []
        self.requests: list[tuple[str, str, object]] = []
        self.lock = threading.Lock()

    # --- server lifecycle ----------------------------------------------------------------------
    def __enter__(self):
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    # --- tasks ---------------------------------------------------------------------------------
    def _enqueue(self, index_uid: str | None, type_: str, apply, details: dict | None = None) -> Response:
        task = {"uid": len(self.tasks), "indexUid": index_uid, "status": "enqueued", "type": type_,
                "details": details or {}, "error": None, "duration": None, "enqueuedAt": _now(),
                "startedAt": None, "finishedAt": None, "canceledBy": None, "_apply": apply}
        self.tasks.append(task)
        summary = {k: task[k] for k in ("indexUid", "status", "type", "enqueuedAt")}
        return self._json({"taskUid": task["uid"], **summary}, 202)

    def process(self, upto: int | None = None) -> None:
        """Run enqueued tasks in order (a poll of a task runs it and every earlier one)."""
        for task in self.tasks[: (upto + 1) if upto is not None else None]:
            if task["status"] != "enqueued":
                continue
            task["startedAt"] = _now()
            try:
                task["_apply"]()
                task["status"] = "succeeded"
            except ApiError as err:
                task["status"] = "failed"
                task["error"] = {"message": err.message, "code": err.code, "type": err.type, "link": ""}
            task["finishedAt"], task["duration"] = _now(), "PT0.001S"

    # --- HTTP ----------------------------------------------------------------------------------
    @staticmethod
    def _json(body, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            try:
                response = self._handle(request)
            except ApiError as err:
                response = self._json({"message": err.message, "code": err.code, "type": err.type,
                                       "link": f"https://docs.meilisearch.com/errors#{err.code}"}, err.status)
        return response(environ, start_response)

    def _body(self, request: Request):
        if request.method in ("GET", "DELETE"):
            return None  # the server ignores bodies there (the client sends "null" on DELETE)
        if request.mimetype != "application/json":
            raise ApiError(415, "invalid_content_type", f"The Content-Type `{request.mimetype}` is invalid.")
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            raise ApiError(400, "malformed_payload", "The json payload provided is malformed.") from None

    def _index(self, uid: str) -> dict:
        if uid not in self.indexes:
            raise ApiError(404, "index_not_found", f"Index `{uid}` not found.")
        return self.indexes[uid]

    def _handle(self, request: Request) -> Response:
        if self.key and request.headers.get("Authorization") != f"Bearer {self.key}":
            raise ApiError(401 if "Authorization" not in request.headers else 403, "invalid_api_key",
                           "The provided API key is invalid.", "auth")
        body = self._body(request)
        method, parts = request.method, [p for p in request.path.split("/") if p]
        self.requests.append((method, request.full_path.rstrip("?"), body))
        if parts == ["health"]:
            return self._json({"status": "available"})
        if parts[:1] == ["tasks"] and len(parts) == 2 and method == "GET":
            uid = int(parts[1])
            if uid >= len(self.tasks):
                raise ApiError(404, "task_not_found", f"Task `{uid}` not found.")
            self.process(uid)
            return self._json({k: v for k, v in self.tasks[uid].items() if not k.startswith("_")})
        if parts == ["indexes"] and method == "POST":
            uid, pk = body.get("uid"), body.get("primaryKey")

            def create():
                if uid in self.indexes:
                    raise ApiError(409, "index_already_exists", f"Index `{uid}` already exists.")
                self.indexes[uid] = {"primaryKey": pk, "settings": {"filterableAttributes": []}, "docs": {}}
            return self._enqueue(uid, "indexCreation", create, {"primaryKey": pk})
        if parts[:1] != ["indexes"] or len(parts) < 2:
            raise ApiError(404, "not_found", "Not found.")
        return self._index_route(method, parts[1], parts[2:], request, body)

    def _index_route(self, method, uid, rest, request, body) -> Response:
        if not rest and method == "GET":
            idx = self._index(uid)
            return self._json({"uid": uid, "primaryKey": idx["primaryKey"], "createdAt": _now(), "updatedAt": _now()})
        if not rest and method == "DELETE":
            self._index(uid)
            return self._enqueue(uid, "indexDeletion", lambda: self.indexes.pop(uid, None))
        idx = self._index(uid)
        if rest == ["settings"] and method == "PATCH":
            unknown = set(body) - SETTINGS_KEYS
            if unknown:
                raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`")
            return self._enqueue(uid, "settingsUpdate", lambda: idx["settings"].update(body), body)
        if rest == ["settings", "synonyms"] and method == "PUT":
            if not isinstance(body, dict) or not all(isinstance(v, list) for v in body.values()):
                raise ApiError(400, "invalid_settings_synonyms", "synonyms must map strings to lists")
            return self._enqueue(uid, "settingsUpdate", lambda: idx["settings"].update(synonyms=body),
                                 {"synonyms": body})
        if rest == ["stats"] and method == "GET":
            return self._json({"numberOfDocuments": len(idx["docs"]), "isIndexing": False,
                               "fieldDistribution": {}})
        if rest == ["documents"] and method == "POST":
            pk = request.args.get("primaryKey") or idx["primaryKey"]

            def add():
                for doc in body:
                    if pk not in doc or not re.fullmatch(r"[A-Za-z0-9_-]{1,511}", str(doc[pk])):
                        raise ApiError(400, "invalid_document_id", f"Document identifier `{doc.get(pk)}` is invalid.")
                for doc in body:
                    idx["docs"][doc[pk]] = doc  # replaces the whole document, as the server does
            return self._enqueue(uid, "documentAdditionOrUpdate", add, {"receivedDocuments": len(body)})
        if rest == ["documents"] and method == "DELETE":
            return self._enqueue(uid, "documentDeletion", idx["docs"].clear)
        if rest == ["documents", "delete"] and method == "POST":
            flt = Filter(body["filter"] if isinstance(body["filter"], str) else " AND ".join(body["filter"]),
                         set(idx["settings"].get("filterableAttributes", [])))

            def remove():
                for key in [k for k, d in idx["docs"].items() if flt.match(d)]:
                    del idx["docs"][key]
            return self._enqueue(uid, "documentDeletion", remove, {"originalFilter": body["filter"]})
        if rest == ["search"] and method == "POST":
            return self._json(self._search(idx, body))
        raise ApiError(404, "not_found", f"{method} /{'/'.join(rest)} is not a route of this stand-in")

    def _search(self, idx: dict, body: dict) -> dict:
        unknown = set(body) - SEARCH_PARAMS
        if unknown:
            raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`: expected one of "
                                               f"{', '.join(sorted(SEARCH_PARAMS))}")
        settings = idx["settings"]
        filterable = set(settings.get("filterableAttributes", []))
        raw = body.get("filter") or []
        raw = [raw] if isinstance(raw, str) else raw
        filters = [Filter(f if isinstance(f, str) else " OR ".join(f), filterable) for f in raw]
        for spec in body.get("sort", []):
            if spec.split(":")[0] not in settings.get("sortableAttributes", []):
                raise ApiError(400, "invalid_search_sort", f"Attribute `{spec}` is not sortable.")
        on = body.get("attributesToSearchOn") or settings.get("searchableAttributes") or ["title"]
        words = [w for w in re.findall(r"\w+", (body.get("q") or "").casefold())]
        hits = []
        for doc in idx["docs"].values():
            if not all(f.match(doc) for f in filters):
                continue
            texts = {a: " ".join(doc[a]) if isinstance(doc.get(a), list) else str(doc.get(a) or "") for a in on}
            if all(any(w in t.casefold() for t in texts.values()) for w in words):
                in_title = sum(w in texts.get("title", "").casefold() for w in words)
                hits.append((-in_title, doc))
        hits.sort(key=lambda h: h[0])
        docs = [d for _, d in hits]
        for spec in reversed(body.get("sort", [])):
            attr, _, order = spec.partition(":")
            docs.sort(key=lambda d: d.get(attr) or 0, reverse=order == "desc")
        if "page" in body or "hitsPerPage" in body:
            per, page = body.get("hitsPerPage", 20), body.get("page", 1)
            window = docs[(page - 1) * per: page * per]
            meta = {"hitsPerPage": per, "page": page, "totalHits": len(docs),
                    "totalPages": -(-len(docs) // per) if per else 0}
        else:
            offset, limit = body.get("offset", 0), body.get("limit", 20)
            window = docs[offset: offset + limit]
            meta = {"offset": offset, "limit": limit, "estimatedTotalHits": len(docs)}
        out = []
        for rank, doc in enumerate(window):
            hit = {k: v for k, v in doc.items() if not body.get("attributesToRetrieve")
                   or k in body["attributesToRetrieve"]}
            if body.get("attributesToHighlight"):
                pre, post = body.get("highlightPreTag", "<em>"), body.get("highlightPostTag", "</em>")
                hit["_formatted"] = {a: self._mark(str(doc.get(a) or ""), words, pre, post)
                                     for a in body["attributesToHighlight"]}
            if body.get("showRankingScore"):
                hit["_rankingScore"] = round(1.0 - rank * 0.01, 4)
            out.append(hit)
        return {"hits": out, "query": body.get("q") or "", "processingTimeMs": 0, **meta}

    @staticmethod
    def _mark(text: str, words: list[str], pre: str, post: str) -> str:
        for w in words:
            text = re.sub(f"({re.escape(w)})", pre + r"\1" + post, text, flags=re.IGNORECASE)
        return text
