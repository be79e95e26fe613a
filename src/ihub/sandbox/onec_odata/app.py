"""The 1C:UT 11 standard OData interface, emulated over the deterministic dataset.

URL shapes, JSON envelopes, error bodies and Basic auth follow the facts collected in the
reference (not ihub's client): ``$format=json`` or an ``Accept`` of JSON gives JSON light,
anything else Atom/XML; paging is ``$top``/``$skip`` with no ``odata.nextLink`` and rows come
shuffled when a paged request has no ``$orderby``; ``odata.count`` is a string; a 401 comes
from the web server as HTML; unpublished sets answer 404.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import random
import re
import threading
import time
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, unquote

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ihub.sandbox.onec_odata import metadata
from ihub.sandbox.onec_odata.config import Faults, SandboxConfig
from ihub.sandbox.onec_odata.dataset import BALANCE, EMPTY_GUID, STOCK_REGISTER, Dataset, EntitySet
from ihub.sandbox.onec_odata.query import (
    BadOption,
    FilterSyntaxError,
    ODataQuery,
    UnknownProperty,
    compile_filter,
    parse_query,
)

_JSON = "application/json;charset=utf-8"
_RESOURCE = re.compile(
    r"^(?P<set>[^/(]+)(?:\(guid'(?P<key>[^']*)'\))?(?:/(?P<rest>.*))?$", re.DOTALL
)
_BALANCE_CALL = re.compile(r"^Balance(?:\((?P<args>.*)\))?$", re.DOTALL)
_ARG_NAMES = ("Period", "Condition", "Dimensions")
_DIMENSIONS = ("Номенклатура", "Характеристика", "Склад")
_CACHE_SIZE = 32


class ODataFailure(Exception):
    """An answer in 1C's error shape: HTTP status, 1C error code and Russian text."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _unknown_segment(name: str) -> ODataFailure:
    return ODataFailure(400, "6", f"Сегмент пути {name} не найден!")


def _error_response(failure: ODataFailure, as_json: bool) -> Response:
    if as_json:
        body = {
            "odata.error": {
                "code": failure.code,
                "message": {"lang": "ru", "value": failure.message},
            }
        }
        return Response(json.dumps(body, ensure_ascii=False), failure.status, media_type=_JSON)
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><m:error xmlns:m="http://schemas.microsoft.com/'
        f'ado/2007/08/dataservices/metadata"><m:code>{failure.code}</m:code>'
        f'<m:message xml:lang="ru">{failure.message}</m:message></m:error>'
    )
    return Response(xml, failure.status, media_type="application/xml;charset=utf-8")


def _iis_page(status: int, title: str, headers: dict[str, str] | None = None) -> Response:
    html = (
        f"<html><head><title>{status} - {title}</title></head><body><h1>{title}</h1></body></html>"
    )
    return Response(html, status, headers=headers, media_type="text/html")


def _query_params(raw: str) -> dict[str, str]:
    # Decode %XX only: like the real platform, a '+' is not a space.
    params = {}
    for part in raw.split("&"):
        if part:
            name, _, value = part.partition("=")
            params[unquote(name)] = unquote(value)
    return params


def _balance_args(text: str) -> dict[str, str]:
    """Split ``Period=datetime'…',Condition='…',Dimensions='…'``.

    Code in the wild nests single quotes inside ``Condition`` without doubling them and 1C
    accepts it, so a quoted value ends at the quote followed by the next argument or the end.
    """
    args, rest = {}, text.strip()
    boundary = re.compile(r"\s*(,\s*(" + "|".join(_ARG_NAMES) + r")\s*=|$)")
    while rest:
        match = re.match(r"(\w+)\s*=\s*", rest)
        if not match or match.group(1) not in _ARG_NAMES:
            raise ODataFailure(400, "12", f"Неизвестный параметр виртуальной таблицы: {rest[:40]}")
        name, rest = match.group(1), rest[match.end() :]
        if rest.startswith("'") or rest.startswith("datetime'"):
            start = rest.index("'") + 1
            end = next(
                (
                    j
                    for j in range(start, len(rest))
                    if rest[j] == "'" and boundary.match(rest, j + 1)
                ),
                None,
            )
            if end is None:
                raise ODataFailure(400, "14", f"Незакрытая кавычка в параметре {name}")
            value, rest = rest[start:end].replace("''", "'"), rest[end + 1 :]
        else:
            match = re.match(r"[^,]*", rest)
            assert match is not None
            value, rest = match.group(0).strip(), rest[match.end() :]
        args[name] = value
        rest = rest.lstrip().removeprefix(",").lstrip()
    return args


class _Shuffled(Sequence[int]):
    """The rows in an order that changes per request: what paging without $orderby gets."""

    def __init__(self, base: Sequence[int], salt: int) -> None:
        self.base, n = base, len(base)
        step = salt % max(n, 1) or 1
        while n and math.gcd(step, n) != 1:
            step += 1
        self.step, self.offset = step, salt // 7

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[p] for p in range(*position.indices(len(self)))]
        return self.base[(self.step * position + self.offset) % len(self.base)]


class Sandbox:
    """The emulator's state: the dataset, the composition, faults and request counters."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.data = Dataset(config)
        self.faults = config.faults.model_copy()
        everything = {name for name in self.data.sets if name != BALANCE} | {STOCK_REGISTER}
        self.published = set(config.published) if config.published is not None else everything
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._random = random.Random(config.seed)
        self._indexes: OrderedDict[tuple[Any, ...], array[int]] = OrderedDict()

    # --- faults ---

    def pages_left(self) -> bool:
        limit = self.faults.unauthorized_after_pages
        return limit is None or self.stats["pages"] < limit

    def injected_fault(self) -> Response | None:
        """Decide, per data request, whether this one fails, and how."""
        faults = self.faults
        with self._lock:
            self.stats["data_requests"] += 1
            number = self.stats["data_requests"]
            roll = self._random.random()
        if faults.hang_every and number % faults.hang_every == 0:
            self.stats["hangs"] += 1
            time.sleep(faults.hang_seconds)
        if roll < faults.error_rate:
            self.stats["errors_injected"] += 1
            if number % 2:
                return _iis_page(503, "Service Unavailable")
            failure = ODataFailure(
                500,
                "-1",
                "Произошла внутренняя ошибка OData сервиса. Дополнительные сведения можно "
                "найти в технологическом журнале.",
            )
            return _error_response(failure, True)
        return None

    def authorized(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            # UTF-8 as 1C expects; a cp1251/latin-1 login is refused like IIS does (401.5).
            login, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return login == self.config.username and password == self.config.password

    # --- resources ---

    def entity(self, name: str) -> EntitySet:
        if name not in self.published or name not in self.data.sets or name == BALANCE:
            raise ODataFailure(404, "6", f"Сегмент пути {name} не найден!")
        return self.data.sets[name]

    def positions(
        self, entity: EntitySet, query: ODataQuery, condition: str | None
    ) -> Sequence[int]:
        predicates = [
            compile_filter(text, entity.columns) for text in (query.filter, condition) if text
        ]
        for name, _ in query.orderby:
            if name not in entity.columns:
                raise _unknown_segment(name)
        natural = self._natural(entity, query.orderby)
        if not predicates and entity.exists is None and natural:
            positions: Sequence[int] = range(entity.count)
        else:
            key = (entity.name, query.filter, condition, tuple(query.orderby))
            positions = self._cached(key, lambda: self._select(entity, predicates, query, natural))
        if not query.orderby and (query.top is not None or query.skip):
            with self._lock:
                self.stats["shuffled"] += 1
                salt = self._random.randrange(1, 1 << 30)
            return _Shuffled(positions, salt)
        return positions

    @staticmethod
    def _natural(entity: EntitySet, orderby: list[tuple[str, bool]]) -> bool:
        """Whether the order asked for is the row order (so no sort is needed)."""
        if not orderby:
            return True
        names = [name for name, descending in orderby if not descending]
        if len(names) != len(orderby):
            return False
        for natural in (("Ref_Key",), ("Code",), ("Номенклатура_Key", "Склад_Key")):
            if tuple(names) == natural[: len(names)] and names[0] in entity.columns:
                return True
        return False

    def _cached(self, key: tuple[Any, ...], build: Callable[[], array[int]]) -> array[int]:
        with self._lock:
            if key in self._indexes:
                self._indexes.move_to_end(key)
                return self._indexes[key]
        built = build()
        with self._lock:
            self._indexes[key] = built
            while len(self._indexes) > _CACHE_SIZE:
                self._indexes.popitem(last=False)
        return built

    @staticmethod
    def _select(
        entity: EntitySet,
        predicates: list[Callable[[Callable[[str], Any]], bool]],
        query: ODataQuery,
        natural: bool,
    ) -> array[int]:
        columns, exists = entity.columns, entity.exists

        def accessor(i: int) -> Callable[[str], Any]:
            return lambda name: columns[name].value(i)

        matching = array(
            "q",
            (
                i
                for i in range(entity.count)
                if (exists is None or exists(i)) and all(p(accessor(i)) for p in predicates)
            ),
        )
        if natural:
            return matching
        ordered = list(matching)
        for name, descending in reversed(query.orderby):
            value = columns[name].value
            ordered.sort(key=lambda i: (value(i) is not None, value(i)), reverse=descending)
        return array("q", ordered)

    def _projection(self, entity: EntitySet, query: ODataQuery) -> Callable[[int], dict[str, Any]]:
        columns = entity.columns
        if query.select is None:
            links = [name for name in entity.links if f"{name}_Key" in columns]

            def full(i: int) -> dict[str, Any]:
                row = {name: column.value(i) for name, column in columns.items()}
                if entity.keyed:
                    own = f"{entity.name}(guid'{row['Ref_Key']}')"
                    for name in links:
                        if row[f"{name}_Key"] != EMPTY_GUID:
                            row[f"{name}@navigationLinkUrl"] = f"{own}/{name}"
                return row

            return full
        plain: list[str] = []
        paths: dict[str, list[str]] = {}
        for item in query.select:
            nav, slash, field = item.partition("/")
            if not slash:
                if item not in columns:
                    raise _unknown_segment(item)
                plain.append(item)
                continue
            target_name = entity.links.get(nav)
            if target_name is None or target_name not in self.published:
                raise _unknown_segment(nav)
            if field not in self.data.sets[target_name].columns:
                raise _unknown_segment(field)
            paths.setdefault(nav, []).append(field)
        expanded = {nav: fields for nav, fields in paths.items() if nav in query.expand}
        ordered = [name for name in columns if name in plain]

        def project(i: int) -> dict[str, Any]:
            row = {name: columns[name].value(i) for name in ordered}
            for nav, fields in expanded.items():
                target = self.data.sets[entity.links[nav]]
                t = self.data.index_of(target, columns[f"{nav}_Key"].value(i))
                row[nav] = None if t is None else {f: target.columns[f].value(t) for f in fields}
            return row

        return project

    def collection(
        self, root: str, entity: EntitySet, query: ODataQuery, condition: str | None = None
    ) -> dict[str, Any]:
        project = self._projection(entity, query)
        positions = self.positions(entity, query, condition)
        stop = len(positions) if query.top is None else query.skip + query.top
        body: dict[str, Any] = {"odata.metadata": f"{root}/$metadata#{entity.name}"}
        if query.inlinecount:
            body["odata.count"] = str(len(positions))
        body["value"] = [project(i) for i in positions[query.skip : stop]]
        self.stats["pages"] += 1
        self.stats[f"set:{entity.name}"] += 1
        return body

    def balance(self, root: str, args_text: str, query: ODataQuery) -> dict[str, Any]:
        args = _balance_args(args_text)
        if "Period" in args and not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", args["Period"]
        ):
            raise ODataFailure(
                400, "1", "Не удалось разобрать строку как значение типа Edm.DateTime!"
            )
        wanted = [d.strip() for d in args.get("Dimensions", ",".join(_DIMENSIONS)).split(",")]
        if any(d not in _DIMENSIONS for d in wanted):
            unknown = next(d for d in wanted if d not in _DIMENSIONS)
            raise _unknown_segment(unknown)
        if not {"Номенклатура", "Склад"} <= set(wanted):
            raise ODataFailure(
                400, "0", "The sandbox groups balances by Номенклатура and Склад only"
            )
        table = self.data.sets[BALANCE]
        dropped = {f"{d}_Key" for d in _DIMENSIONS if d not in wanted}
        view = EntitySet(
            table.name,
            table.count,
            {name: c for name, c in table.columns.items() if name not in dropped},
            exists=table.exists,
            links=table.links,
        )
        return self.collection(root, view, query, condition=args.get("Condition") or None)

    def single(self, root: str, entity: EntitySet, key: str, query: ODataQuery) -> dict[str, Any]:
        index = self.data.index_of(entity, key.lower())
        if index is None:
            raise ODataFailure(404, "9", "Экземпляр сущности не найден")
        self.stats["pages"] += 1
        row = self._projection(entity, query)(index)
        return {"odata.metadata": f"{root}/$metadata#{entity.name}/@Element", **row}

    def service_document(self, root: str) -> dict[str, Any]:
        names = sorted(n for n in self.published if n in self.data.sets or n == STOCK_REGISTER)
        return {
            "odata.metadata": f"{root}/$metadata",
            "value": [{"name": n, "url": n} for n in names],
        }


def _atom_stub(root: str, name: str) -> Response:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xml:base="{root}"><title type="text">{name}</title></feed>'
    )
    return Response(xml, media_type="application/atom+xml;type=feed;charset=utf-8")


def create_app(config: SandboxConfig | None = None) -> FastAPI:
    """The emulator as an ASGI app; ``app.state.sandbox`` gives tests its state."""
    sandbox = Sandbox(config or SandboxConfig())
    app = FastAPI(title="1C OData sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sandbox = sandbox

    @app.get("/_sandbox/faults")
    def get_faults() -> Faults:
        return sandbox.faults

    @app.patch("/_sandbox/faults")
    def set_faults(body: dict[str, Any]) -> Faults:
        sandbox.faults = Faults.model_validate({**sandbox.faults.model_dump(), **body})
        return sandbox.faults

    @app.get("/_sandbox/stats")
    def get_stats() -> dict[str, int]:
        return dict(sandbox.stats)

    @app.get("/{publication}/odata/standard.odata")
    @app.get("/{publication}/odata/standard.odata/{resource:path}")
    def odata(publication: str, request: Request, resource: str = "") -> Response:
        sandbox.stats["requests"] += 1
        if publication != sandbox.config.publication:
            return _iis_page(404, "File or directory not found.")
        if sandbox.faults.latency_ms:
            time.sleep(sandbox.faults.latency_ms / 1000)
        unauthorized = _iis_page(
            401,
            "Unauthorized: Access is denied due to invalid credentials.",
            {"WWW-Authenticate": 'Basic realm="1C:Enterprise"'},
        )
        if not sandbox.authorized(request.headers.get("authorization")):
            return unauthorized
        # The service root as the client reached it, mount prefix (e.g. /sandbox/onec) included.
        service = quote(f"/{publication}/odata/standard.odata")
        url = str(request.url.replace(query=""))
        root = url[: url.index(service) + len(service)]
        params = _query_params(request.url.query)
        try:
            query = parse_query(params, request.headers.get("accept", ""))
        except BadOption as exc:
            return _error_response(ODataFailure(400, "14", str(exc)), True)
        try:
            return _dispatch(sandbox, root, resource, query, unauthorized)
        except ODataFailure as failure:
            return _error_response(failure, query.json)
        except FilterSyntaxError:
            syntax = ODataFailure(400, "14", "Ошибка при разборе опции запроса $filter")
            return _error_response(syntax, query.json)
        except UnknownProperty as exc:
            return _error_response(_unknown_segment(exc.name), query.json)

    return app


def _dispatch(
    sandbox: Sandbox, root: str, resource: str, query: ODataQuery, unauthorized: Response
) -> Response:
    if resource == "$metadata":
        xml = metadata.render(sandbox.data.sets, sandbox.published)
        return Response(xml, media_type="application/xml;charset=utf-8")
    if resource == "":
        if not query.json:
            return _atom_stub(root, "Default")
        return _json(sandbox.service_document(root))
    match = _RESOURCE.match(resource)
    if match is None:
        raise ODataFailure(400, "6", f"Неверный URL: {resource}")
    name, key, rest = match.group("set"), match.group("key"), match.group("rest")
    if name == STOCK_REGISTER and rest is not None:
        if STOCK_REGISTER not in sandbox.published:
            raise _unknown_segment(name)
        call = _BALANCE_CALL.match(rest)
        if call is None:
            raise ODataFailure(400, "0", f"{rest.split('(')[0]} is not emulated by the sandbox")
        return _data(
            sandbox, unauthorized, query, lambda: sandbox.balance(root, call["args"] or "", query)
        )
    entity = sandbox.entity(name)
    if key is not None:
        if rest:
            raise ODataFailure(400, "0", "Navigation is not emulated by the sandbox")
        return _data(sandbox, unauthorized, query, lambda: sandbox.single(root, entity, key, query))
    if rest == "$count":
        count_query = ODataQuery(filter=query.filter, json=True)
        return _data(
            sandbox,
            unauthorized,
            query,
            lambda: str(len(sandbox.positions(entity, count_query, None))),
        )
    if rest:
        raise _unknown_segment(rest)
    if not query.json:
        return _atom_stub(root, name)
    return _data(sandbox, unauthorized, query, lambda: sandbox.collection(root, entity, query))


def _data(
    sandbox: Sandbox,
    unauthorized: Response,
    query: ODataQuery,
    answer: Callable[[], dict[str, Any] | str],
) -> Response:
    if not sandbox.pages_left():
        return unauthorized
    fault = sandbox.injected_fault()
    if fault is not None:
        return fault
    body = answer()
    if isinstance(body, str):
        return Response(body, media_type="text/plain;charset=utf-8")
    return _json(body)


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type=_JSON)
