"""The one SPARQL HTTP client: every verb that talks to a server elsewhere goes through it.

``publish``, ``query --endpoint`` and ``reconcile`` share one policy, so a
store behaves the same whichever verb reaches it:

* **Time is bounded.** Each attempt has a wall-clock budget (``timeout``) that
  covers connecting, sending and reading the whole answer: a watchdog shuts the
  socket when it runs out, so a server dripping a byte every few seconds cannot
  hold a verb. The operation as a whole (every attempt and every pause between
  them) ends within ``deadline``, by default ``timeout × (retries + 1)``.
* **Retries are bounded**, with exponential backoff, on what may pass: a
  connection refused or reset, a timeout, a connection closed mid-answer, and
  5xx answers. A 4xx is never retried.
* **Credentials come only from the environment**: ``UUGRAPH_SPARQL_TOKEN``
  (Bearer, sent with every request), else ``UUGRAPH_SPARQL_USER`` and
  ``UUGRAPH_SPARQL_PASSWORD``, answered in the scheme the server's 401
  challenge asks for: HTTP Digest (RFC 7616: MD5, SHA-256 and their ``-sess``
  forms, ``qop=auth``; Virtuoso's authenticated endpoints use it) or Basic. The
  password is sent only once a server has asked for it, never to another origin
  after a redirect.
* **One error classification**: :class:`~uugraph.errors.Unreachable` (exit 3),
  :class:`~uugraph.errors.Unauthorised` for 401/403 (exit 4),
  :class:`~uugraph.errors.Rejected` for another 4xx or an answer that is not
  what the protocol promises (exit 5). Each message names the endpoint and the
  request, and carries the server's own words **redacted** of every credential
  value and encoding (the token, the password, the Basic form, any
  ``Authorization`` value), since a proxy may echo request headers back.

Plain :mod:`http.client` underneath (no third-party HTTP stack): it gives the
watchdog the socket to close, which is what bounds a slow answer. Proxies from
``http_proxy``/``https_proxy``/``no_proxy`` are honoured as urllib honours them.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from uugraph.config import version
from uugraph.errors import Rejected, Unauthorised, Unreachable

RESULTS_JSON = "application/sparql-results+json"
CREDENTIALS_HINT = "set UUGRAPH_SPARQL_USER/UUGRAPH_SPARQL_PASSWORD or UUGRAPH_SPARQL_TOKEN"
REDACTED = "***"
MAX_REDIRECTS = 5
# A body at least this big is not sent before the server has said how it wants credentials: Virtuoso
# answers a big unauthenticated PUT by resetting the connection before its 401 challenge can be read.
PROBE_BODY = 64 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Credentials:
    """What the environment grants: a bearer token, or a user and password; never printed."""

    token: str | None = None
    user: str | None = None
    password: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if env is None else env
        token = env.get("UUGRAPH_SPARQL_TOKEN") or None
        if token:
            return cls(token=token)
        user = env.get("UUGRAPH_SPARQL_USER")
        return cls(user=user, password=env.get("UUGRAPH_SPARQL_PASSWORD", "")) if user is not None else cls()

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")

    def secrets(self) -> list[str]:
        """Every form of the secret a message could carry: raw, encoded, quoted."""
        found: set[str] = set()
        for value in (self.token, self.password if self.user is not None else None):
            if value:
                found |= {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value), json.dumps(value)[1:-1]}
        if self.user is not None and self.password:
            pair = f"{self.user}:{self.password}"
            encoded = base64.b64encode(pair.encode()).decode("ascii")
            found |= {pair, encoded, encoded.rstrip("=")}
        return sorted((s for s in found if s), key=len, reverse=True)


_AUTHORIZATION = re.compile(r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)((?:basic|bearer|digest)\s+)?[^\r\n\"']*")


def redact(text: str, credentials: Credentials, extra: list[str] | None = None) -> str:
    """``text`` without the credential values, their encodings, or any ``Authorization`` header value.

    >>> redact("echo: Authorization: Basic Y3VyYXRvcjpzM2NyZXQ=", Credentials(user="curator", password="s3cret"))
    'echo: Authorization: ***'
    >>> redact("token t0k3n was refused", Credentials(token="t0k3n"))
    'token *** was refused'
    """
    for value in sorted(set(credentials.secrets() + [e for e in (extra or []) if e]), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return _AUTHORIZATION.sub(lambda m: m.group(1) + REDACTED, text)


# ---------------------------------------------------------------- HTTP Digest (RFC 7616)

_HASHES: dict[str, Callable[[bytes], Any]] = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_CHALLENGE_TOKEN = re.compile(r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*))?\s*,?')


def parse_challenges(headers: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The challenges of ``WWW-Authenticate`` headers, each as (scheme in lower case, parameters).

    >>> parse_challenges(['Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256, Basic realm="r"'])
    [('digest', {'realm': 'r', 'nonce': 'n', 'qop': 'auth', 'algorithm': 'SHA-256'}), ('basic', {'realm': 'r'})]
    """
    found: list[tuple[str, dict[str, str]]] = []
    for header in headers:
        position = 0
        while position < len(header):
            match = _CHALLENGE_TOKEN.match(header, position)
            if not match or match.end() == position:
                break
            position = match.end()
            name, value = match.group(1), match.group(2)
            if value is None:
                found.append((name.lower(), {}))
            elif found:
                if value.startswith('"'):
                    value = re.sub(r"\\(.)", r"\1", value[1:-1])
                found[-1][1][name.lower()] = value
    return found


@dataclass
class DigestState:
    """A server's Digest challenge, kept so later requests answer it at once (with a fresh count)."""

    params: dict[str, str]
    count: int = 0

    @property
    def algorithm(self) -> str:
        return self.params.get("algorithm", "MD5").upper()

    @staticmethod
    def supported(params: dict[str, str]) -> bool:
        algorithm = params.get("algorithm", "MD5").upper().removesuffix("-SESS")
        qops = {q.strip() for q in params.get("qop", "auth").split(",")}
        return algorithm in _HASHES and "nonce" in params and ("auth" in qops or "qop" not in params)

    def answer(self, method: str, uri: str, user: str, password: str) -> tuple[str, str]:
        """The ``Authorization`` value for one request, and the HA1 (a password equivalent, to redact)."""
        algorithm = self.algorithm.removesuffix("-SESS")

        def h(text: str) -> str:
            return str(_HASHES[algorithm](text.encode("utf-8")).hexdigest())

        realm, nonce = self.params.get("realm", ""), self.params["nonce"]
        self.count += 1
        cnonce = secrets.token_hex(8)
        ha1 = h(f"{user}:{realm}:{password}")
        if self.algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        fields = {"username": user, "realm": realm, "nonce": nonce, "uri": uri, "algorithm": self.params.get("algorithm", "MD5")}
        if "qop" in self.params:
            nc = f"{self.count:08x}"
            fields["response"] = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            quoted = ", ".join(f'{k}="{v}"' for k, v in fields.items() if k != "algorithm")
            value = f'Digest {quoted}, algorithm={fields["algorithm"]}, qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:  # RFC 2069 servers
            fields["response"] = h(f"{ha1}:{nonce}:{ha2}")
            value = "Digest " + ", ".join(f'{k}="{v}"' for k, v in fields.items() if k != "algorithm") + f", algorithm={fields['algorithm']}"
        if "opaque" in self.params:
            value += f', opaque="{self.params["opaque"]}"'
        return value, ha1


# ---------------------------------------------------------------- one attempt


@dataclass
class Answer:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    url: str


class _Retry(Exception):
    """An attempt failed in a way another attempt may not (connection, timeout, 5xx)."""

    def __init__(self, cause: str, status: int | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.status = status


class ServerFailed(Unreachable):
    """The server answered, with a 5xx, until the retries ran out: it is there, and it did not do it.

    Still exit 3 for a verb that only needs an answer; ``publish`` tells a swap
    the store refused (Virtuoso's SR325, a transaction too big) from one whose
    answer was lost.
    """

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``url`` (through the environment's proxy where one applies) and the request target."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Rejected(f"{url}: not an http(s) URL")
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    host, port = parts.hostname, parts.port
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and host not in _LOOPBACK and not urllib.request.proxy_bypass(host):
        via = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(via.hostname or "", via.port or 8080, timeout=timeout, context=ssl.create_default_context())
            connection.set_tunnel(host, port or 443)
            return connection, target
        return http.client.HTTPConnection(via.hostname or "", via.port or 8080, timeout=timeout), url
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context()), target
    return http.client.HTTPConnection(host, port, timeout=timeout), target


def _attempt(method: str, url: str, body: bytes | None, headers: dict[str, str], budget: float) -> Answer:
    """One request, bounded in wall-clock time by ``budget`` seconds from connect to the last byte."""
    connection, target = _connection(url, max(0.05, budget))
    expired = threading.Event()

    def cut() -> None:  # wakes a read blocked on a dripping server: shutdown makes recv return at once
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(budget, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if expired.is_set():  # a body read until a cut socket closed is not the answer
            raise _Retry(f"no complete answer within the timeout ({budget:g} s)")
        return Answer(response.status, response.reason, response.headers, data, url)
    except TimeoutError:
        raise _Retry(f"no answer within the timeout ({budget:g} s)") from None
    except (http.client.IncompleteRead, http.client.RemoteDisconnected) as exc:
        if expired.is_set():
            raise _Retry(f"no complete answer within the timeout ({budget:g} s)") from None
        raise _Retry(f"the connection closed mid-answer ({type(exc).__name__})") from None
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise _Retry(f"no answer within the timeout ({budget:g} s)") from None
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise _Retry(f"cannot connect: {reason}") from None
    finally:
        watchdog.cancel()
        connection.close()


def _message(body: bytes, content_type: str, clean: Callable[[str], str]) -> str:
    """The server's own words, on one line: the text of an HTML page, the start of anything else.

    ``clean`` (the redaction) runs on the whole text before it is cut, so a
    cut can never leave the first half of a secret behind.
    """
    text = clean(body[:20000].decode("utf-8", "replace"))
    if "html" in content_type.lower():
        text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
        text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())[:300]


def describe(text: str, limit: int = 60) -> str:
    """A request's text cut to one short line, for messages (whole-line comments, the ``#+`` header, left out).

    >>> describe("#+ summary: all\\nSELECT ?x\\nWHERE { ?x ?p ?o }", 16)
    'SELECT ?x WHERE…'
    """
    line = " ".join(" ".join(row for row in text.splitlines() if not row.lstrip().startswith("#")).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- the client


@dataclass
class Client:
    """A SPARQL 1.1 Protocol and Graph Store Protocol client with the policy of the module docstring.

    ``timeout`` bounds one attempt (connect to last byte); ``deadline`` bounds
    an operation with its retries (default ``timeout × (retries + 1)``).
    """

    retries: int = 4
    backoff: float = 0.5
    timeout: float = 60.0
    deadline: float | None = None
    agent: str | None = None
    credentials: Credentials = field(default_factory=Credentials.from_env)
    sleep: Callable[[float], None] = time.sleep
    requests: int = field(default=0, init=False)  # HTTP requests sent, challenges and redirects included
    _schemes: dict[tuple[str, str, int], str] = field(default_factory=dict, init=False, repr=False)
    _digests: dict[tuple[str, str, int], DigestState] = field(default_factory=dict, init=False, repr=False)
    _derived: set[str] = field(default_factory=set, init=False, repr=False)
    _probed: set[tuple[str, str, int]] = field(default_factory=set, init=False, repr=False)

    # ------------------------------------------------------------ the SPARQL protocols

    def query(self, endpoint: str, text: str, *, default_graph: str | None = None, base: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Run a SELECT or ASK (form-encoded POST) and return the SPARQL JSON results.

        ``base`` is sent as a ``BASE`` declaration before the text, so relative
        IRIs mean on the endpoint what they mean on the embedded store.
        """
        sent = f"BASE <{base}>\n{text}" if base else text
        fields = [("query", sent)] + ([("default-graph-uri", default_graph)] if default_graph else [])
        answer = self.request(
            "POST",
            endpoint,
            urllib.parse.urlencode(fields).encode("utf-8"),
            "application/x-www-form-urlencoded",
            RESULTS_JSON,
            what=f"query `{describe(text)}`",
            timeout=timeout,
        )
        try:
            data = json.loads(answer.body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not ("boolean" in data or isinstance(data.get("results"), dict)):
            raise Rejected(self._redact(f"{endpoint}: query `{describe(text)}`: the answer is not SPARQL JSON results: {_message(answer.body, answer.headers.get('Content-Type', ''), self._redact)}"))
        return data

    def select(self, endpoint: str, text: str, **options: Any) -> list[dict[str, dict[str, str]]]:
        """The bindings of a SELECT."""
        return list(self.query(endpoint, text, **options).get("results", {}).get("bindings", []))

    def update(self, endpoint: str, text: str, *, timeout: float | None = None, retry: bool = True) -> None:
        """Send a SPARQL Update (POST ``application/sparql-update``).

        ``retry=False`` is for an update that must not run twice (the swap): a
        timeout may mean it is still running on the server.
        """
        self.request("POST", endpoint, text.encode("utf-8"), "application/sparql-update", None, what=f"update `{describe(text)}`", timeout=timeout, retries=None if retry else 0)

    def graph(self, method: str, store: str, graph: str | None, body: bytes | None = None, content_type: str = "application/n-triples") -> bytes:
        """A Graph Store Protocol request (PUT, POST, DELETE, GET) on ``?graph=IRI`` (``?default`` without one)."""
        target = f"{store}?{urllib.parse.urlencode({'graph': graph})}" if graph else f"{store}?default"
        return self.request(method, target, body, content_type if body is not None else None, None, what=f"{method} graph <{graph or 'default'}>").body

    # ------------------------------------------------------------ the policy

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        *,
        what: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> Answer:
        """One operation: attempts with backoff until an answer, a non-retryable error, or the deadline."""
        what = what or f"{method} request"
        per_attempt = self.timeout if timeout is None else timeout
        allowed = self.retries if retries is None else retries
        deadline = self.deadline if self.deadline is not None and timeout is None else per_attempt * (allowed + 1)
        ends = time.monotonic() + deadline
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._authorised(method, url, body, content_type, accept, what, min(per_attempt, max(0.05, ends - time.monotonic())))
            except _Retry as exc:
                cause, status = exc.cause, exc.status
            pause = self.backoff * 2 ** (attempts - 1)
            if attempts > allowed or time.monotonic() + pause >= ends:
                tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
                failing = "the server kept failing" if status is not None else "cannot reach the server"
                message = self._redact(f"{url}: {what}: {failing} ({tries} in {time.monotonic() - ends + deadline:.1f} s): {cause}")
                if status is not None:
                    raise ServerFailed(message, status) from None
                raise Unreachable(message) from None
            self.sleep(pause)

    def _authorised(self, method: str, url: str, body: bytes | None, content_type: str | None, accept: str | None, what: str, budget: float) -> Answer:
        """One attempt, answering an authentication challenge and following redirects within the same budget."""
        ends = time.monotonic() + budget
        original = _origin(url)
        challenged = False
        if body is not None and len(body) >= PROBE_BODY:
            challenged = self._probe(original, url, what, ends)
        for _ in range(MAX_REDIRECTS + 1):
            origin = _origin(url)
            headers = {"User-Agent": self.agent or f"uugraph/{version()}", "Connection": "close"}
            if content_type:
                headers["Content-Type"] = content_type
            if accept:
                headers["Accept"] = accept
            if origin == original:
                headers.update(self._authorization(origin, method, url))
            self.requests += 1
            answer = _attempt(method, url, body, headers, max(0.05, ends - time.monotonic()))
            if answer.status in (401, 403) and not challenged and origin == original and self._accept_challenge(origin, answer, "Authorization" in headers):
                challenged = True
                continue
            if answer.status in (301, 302, 303, 307, 308) and answer.headers.get("Location"):
                location = urllib.parse.urljoin(url, answer.headers["Location"])
                if answer.status in (307, 308) or method in ("GET", "HEAD"):
                    url = location
                    continue
                raise Rejected(self._redact(f"{url}: {what}: the server redirects to {location} (HTTP {answer.status}): use that URL"))
            return self._classified(answer, what)
        raise Rejected(self._redact(f"{url}: {what}: more than {MAX_REDIRECTS} redirects"))

    def _probe(self, origin: tuple[str, str, int], url: str, what: str, ends: float) -> bool:
        """Learn the origin's challenge with a bodiless HEAD before a big body is sent; whether one was accepted.

        Only with a user and password and no scheme known yet, once per origin.
        Once a challenge is accepted, a second HEAD answers it: a server that
        refuses the credentials cuts a big body off mid-send (a broken pipe,
        not a readable 401), so wrong credentials are told apart here. Any
        other answer to a HEAD is ignored: the real request reports.
        """
        if self.credentials.user is None or self.credentials.token or origin in self._schemes or origin in self._probed:
            return False
        self._probed.add(origin)
        base = {"User-Agent": self.agent or f"uugraph/{version()}", "Connection": "close"}
        try:
            self.requests += 1
            answer = _attempt("HEAD", url, None, base, max(0.05, min(10.0, ends - time.monotonic())))
            if answer.status not in (401, 403) or not self._accept_challenge(origin, answer, False):
                return False
            self.requests += 1
            again = _attempt("HEAD", url, None, {**base, **self._authorization(origin, "HEAD", url)}, max(0.05, min(10.0, ends - time.monotonic())))
        except _Retry:
            return False
        if again.status in (401, 403):
            self._classified(again, what)
        return True

    def _authorization(self, origin: tuple[str, str, int], method: str, url: str) -> dict[str, str]:
        creds = self.credentials
        if creds.token:
            return {"Authorization": f"Bearer {creds.token}"}
        if creds.user is None:
            return {}
        scheme = self._schemes.get(origin)
        if scheme == "basic":
            return {"Authorization": creds.basic}
        if scheme == "digest":
            parts = urllib.parse.urlsplit(url)
            uri = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
            value, ha1 = self._digests[origin].answer(method, uri, creds.user, creds.password)
            self._derived.add(ha1)
            self._derived.add(value)
            return {"Authorization": value}
        return {}

    def _accept_challenge(self, origin: tuple[str, str, int], answer: Answer, sent: bool) -> bool:
        """Whether a 401/403 is worth answering once with the credentials, in the scheme the server asks for."""
        creds = self.credentials
        if creds.token or creds.user is None:
            return False
        challenges = parse_challenges(answer.headers.get_all("WWW-Authenticate") or [])
        digests = [params for scheme, params in challenges if scheme == "digest" and DigestState.supported(params)]
        digests.sort(key=lambda p: 0 if p.get("algorithm", "MD5").upper().startswith("SHA-256") else 1)
        if digests:
            known = self._digests.get(origin)
            stale = digests[0].get("stale", "").lower() == "true"
            if sent and self._schemes.get(origin) == "digest" and not stale and known and known.params.get("nonce") == digests[0].get("nonce"):
                return False  # our answer to this very challenge was refused: wrong credentials
            self._schemes[origin] = "digest"
            self._digests[origin] = DigestState(digests[0])
            return True
        if sent:
            return False
        if any(scheme == "basic" for scheme, _ in challenges) or not challenges:
            self._schemes[origin] = "basic"  # a 401 without a challenge: try Basic, as most stores take it
            return True
        return False

    def _classified(self, answer: Answer, what: str) -> Answer:
        if answer.status < 300:
            return answer
        said = _message(answer.body, answer.headers.get("Content-Type", ""), self._redact)
        detail = f": {said}" if said else ""
        where = f"{answer.url}: {what}"
        if answer.status in (401, 403):
            raise Unauthorised(self._redact(f"{where}: the server refused the credentials (HTTP {answer.status}){detail}; {CREDENTIALS_HINT}"))
        if answer.status >= 500:
            raise _Retry(self._redact(f"server error HTTP {answer.status}{detail}"), answer.status)
        raise Rejected(self._redact(f"{where}: the server rejected the request (HTTP {answer.status}){detail}"))

    def _redact(self, text: str) -> str:
        return redact(text, self.credentials, sorted(self._derived))
