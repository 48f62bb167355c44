"""The HTTP transport every provider plugin uses.

One pooled ``requests`` session per provider and credential, a timeout on
every call, retries only where they are safe (:mod:`liasse.retries`),
transport failures turned into :class:`~liasse.errors.ProviderUnavailable`
(nothing lost, try later, with the provider's ``Retry-After``), and downloads
streamed to disk with a size cap and a SHA-256. Plugins call
:meth:`HttpClient.request` and map the provider's own 4xx answers to liasse
errors themselves, since each provider words them differently.

What is retried, at most ``RetryPolicy.max_attempts`` times in all and only
while the provider's :class:`~liasse.retries.RetryBudget` allows:

* a connection that could not be opened (nothing was sent);
* a connection dropped while the request was being sent, when the request
  is safe to repeat: an idempotent method, or an ``Idempotency-Key`` the
  provider deduplicates on;
* 429 and 503, after their ``Retry-After`` (or the backoff) when that wait is
  short enough for the policy; a longer wait fails the call at once with the
  wait carried, for the outbox to schedule;
* a 409 the plugin says means "the first attempt is still in flight"
  (``in_flight=``).

Never retried: a read timeout (the provider may be doing it: a blind retry
sends the document twice, §1.6 of the research notes), other 5xx, and any
body that cannot be rewound. Every retry re-sends the **whole** body: a file
object is rewound to where it started, and a generator body is sent once.

``requests`` is imported when the first client is built, not when a plugin
module is imported: listing plugins stays cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs

from liasse.__about__ import __version__
from liasse.errors import LiasseError, ProviderError, ProviderUnavailable
from liasse.records import ReceivedFile
from liasse.retries import INTERACTIVE, RetryBudget, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    import requests

CHUNK = 1024 * 1024
#: Connections kept per provider: a campaign's workers (32 by default) each keep theirs (P2).
POOL_SIZE = 32
#: What urllib3 reads of a streamed body per socket write: 1 MiB, not its 16 KiB (a 1 GiB upload in
#: 1,024 writes instead of 65,536; measured 346 → 1,233 MB/s in the research, P1).
SEND_BLOCK = 1024 * 1024
USER_AGENT = f"liasse/{__version__}"
#: Query parameters whose values never reach a log line (some providers, AR24 among them,
#: put their token in the query string, and urllib3 logs request lines at DEBUG).
_SECRET_QUERY = re.compile(
    r"([?&](?:token|access_token|api_key|apikey|key|password|secret|signature)=)[^&\s\"']+", re.IGNORECASE
)

#: Maps a provider's refusal (a 4xx other than 429) to the liasse error the user reads.
Refusal = Callable[["requests.Response"], LiasseError]
#: Tells whether a 409 means "the first attempt with this key is still being processed" (then retried).
InFlight = Callable[["requests.Response"], bool]
#: Statuses whose ``Retry-After`` says when to come back (RFC 9110 §10.2.3; urllib3 retries these too).
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: The media type of a form that carries no file.
FORM = "application/x-www-form-urlencoded"
#: Methods that mean the same thing when repeated (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class _SecretQueryFilter(logging.Filter):
    """Masks secret query parameters in logged request lines (S4)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        hidden = _SECRET_QUERY.sub(r"\1***", message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


log = logging.getLogger(__name__)


def _hide_secret_queries() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _SecretQueryFilter) for f in logger.filters):
        logger.addFilter(_SecretQueryFilter())


@attrs.frozen
class Download:
    """A file streamed to disk by :meth:`HttpClient.download`."""

    path: Path
    file_name: str
    media_type: str
    size: int
    sha256: str

    def received(self, remote_id: str, file_name: str | None = None, received_at: dt.datetime | None = None) -> ReceivedFile:
        """This download as the :class:`~liasse.records.ReceivedFile` a plugin's hook returns.

        ``file_name`` is the provider's own name for the document when its
        API gives one (else the download's); ``received_at`` defaults to now.
        """
        return ReceivedFile(
            remote_id=remote_id,
            path=self.path,
            file_name=file_name or self.file_name,
            media_type=self.media_type,
            size=self.size,
            sha256=self.sha256,
            received_at=received_at or dt.datetime.now(dt.UTC),
        )


class HttpClient:
    """A provider's base URL, a pooled session and liasse's rules for calling it."""

    def __init__(
        self,
        provider_title: str,
        base_url: str,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        policy: RetryPolicy = INTERACTIVE,
        budget: RetryBudget | None = None,
    ) -> None:
        self.provider_title = provider_title
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, timeout)
        #: How calls are retried unless a call names its own policy.
        self.policy = policy
        #: The provider's retry quota, shared with the provider's other clients (one per credential).
        self.budget = budget if budget is not None else RetryBudget()
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HttpClient({self.provider_title!r}, {self.base_url!r})"

    @property
    def session(self) -> requests.Session:
        """The pooled session, built on first use."""
        with self._lock:
            if self._session is None:
                import requests

                _hide_secret_queries()
                session = requests.Session()
                session.headers["User-Agent"] = USER_AGENT
                # HTTP/1.1 keeps connections open unless told otherwise (RFC 9112 §9.3): requests' default
                # "Connection: keep-alive" is one more header to write and for the provider to parse, per call.
                del session.headers["Connection"]
                # The environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) is read once, here: with
                # trust_env, requests reads all of os.environ and looks for ~/.netrc at every call, a
                # third of a bulk send's time in the transport (P2); liasse always sends its own auth.
                session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
                session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
                session.trust_env = False
                adapter = _adapter_class()(pool_connections=4, pool_maxsize=POOL_SIZE)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                from liasse.quiet_http import quiet

                # Before any request: http.client's debug print would show the credentials (S4).
                self._session = quiet(session)
            return self._session

    def url(self, path: str) -> str:
        """The absolute URL of an API path."""
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        expect: Iterable[int] = (200, 201, 204),
        refuse: Refusal | None = None,
        in_flight: InFlight | None = None,
        policy: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request, retried where safe; return the response when its status is in ``expect``.

        Transport errors, 429 and 5xx answers that are not retried (or whose
        retries ran out) raise ProviderUnavailable, with ``retry_after`` when
        the provider said when to come back. Any other status raises what
        ``refuse`` makes of the response (the plugin's reading of its
        provider's error body), else a generic ProviderError with the status.
        """
        import requests

        policy = policy or self.policy
        expected = set(expect)
        if kwargs.get("timeout") is None:
            # requests waits forever without one: every call has a timeout, whatever the caller passed.
            kwargs["timeout"] = self.timeout
        # A redirect to another host would carry the provider's auth headers with it.
        kwargs.setdefault("allow_redirects", False)
        kwargs["data"], kwargs["headers"] = _form_body(kwargs.get("data"), kwargs.get("headers"), "files" in kwargs)
        body = _Body(kwargs.get("data"))
        replay_safe = method.upper() in IDEMPOTENT_METHODS or _has_key(kwargs.get("headers"))
        attempt = 0
        while True:
            attempt += 1
            body.rewind()
            wait: float | None = None
            try:
                response = _send(self.session, method, self.url(path), kwargs)
            except requests.ConnectTimeout:
                failure = ProviderUnavailable(title=self.provider_title, detail=_tried("connexion impossible", "cannot connect", attempt))
                retryable = True
            except requests.Timeout:
                # The provider may be doing it right now: a blind retry would do it twice.
                raise ProviderUnavailable(title=self.provider_title, detail=_tried("délai dépassé", "timed out", attempt)) from None
            except requests.ConnectionError as exc:
                failure = ProviderUnavailable(title=self.provider_title, detail=_tried("connexion impossible", "cannot connect", attempt))
                retryable = _never_sent(exc) or replay_safe
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
                # The provider answered but the answer was cut: it did the work, only a replay may ask again.
                failure = ProviderUnavailable(title=self.provider_title, detail=_tried("réponse tronquée", "truncated answer", attempt))
                retryable = replay_safe
            else:
                status = response.status_code
                if status in expected:
                    self.budget.record_success()
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in RETRY_AFTER_STATUSES else None
                if status in RETRY_AFTER_STATUSES:
                    failure = ProviderUnavailable(
                        title=self.provider_title, detail=_tried(f"HTTP {status}", f"HTTP {status}", attempt), retry_after=retry_after
                    )
                    retryable, wait = True, retry_after
                elif status == 409 and in_flight is not None and in_flight(response):
                    failure = ProviderUnavailable(
                        title=self.provider_title, detail=_tried("traitement en cours", "still processing", attempt)
                    )
                    retryable = True
                elif status >= 500:
                    raise ProviderUnavailable(title=self.provider_title, detail=f"HTTP {status}")
                else:
                    if refuse is not None:
                        raise refuse(response)
                    raise ProviderError(
                        title=self.provider_title,
                        detail_fr=f"réponse HTTP {status} inattendue pour {method} {path}",
                        detail_en=f"unexpected HTTP {status} for {method} {path}",
                    )
                response.close()
            if not retryable or not body.replayable or attempt >= policy.max_attempts:
                raise failure from None
            delay = wait if wait is not None else policy.backoff(attempt - 1)
            if delay > min(policy.max_inline_wait, policy.retry_after_cap):
                # Too long to keep the caller waiting: the outbox comes back at the provider's time.
                raise failure from None
            if not self.budget.take_retry():
                log.info("%s: retry budget spent, not retrying %s %s", self.provider_title, method, path)
                raise failure from None
            time.sleep(delay)

    def download(
        self,
        path: str,
        dest_dir: Path,
        *,
        max_bytes: int,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
    ) -> Download:
        """Stream a file to ``dest_dir`` under a generated name, capped at ``max_bytes``."""
        response = self.request("GET", path, stream=True, headers=headers, auth=auth, expect=(200,))
        declared = response.headers.get("Content-Length")
        if declared is not None and int(declared) > max_bytes:
            response.close()
            raise _too_large(self.provider_title, max_bytes)
        dest_dir.mkdir(parents=True, exist_ok=True)
        target = dest_dir / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        import requests

        try:
            with response, target.open("wb") as out:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_large(self.provider_title, max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
        except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError, requests.Timeout):
            target.unlink(missing_ok=True)
            raise ProviderUnavailable(title=self.provider_title, detail="téléchargement interrompu / download cut off") from None
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        final = target.with_suffix("")
        target.rename(final)
        return Download(
            path=final,
            file_name=_file_name(response.headers.get("Content-Disposition", "")) or final.name,
            media_type=response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip(),
            size=size,
            sha256=digest.hexdigest(),
        )

    def close(self) -> None:
        """Release the pooled connections."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


def _send(session: requests.Session, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
    """``session.request(method, url, **kwargs)`` for liasse's sessions, through the session's adapter.

    ``Session.request`` merges the environment, the cookie jar and the
    redirect machinery into every call: a fifth of requests' time in a bulk
    send (P2), for nothing liasse uses. Its sessions read the environment
    once (``trust_env`` is off), never follow redirects (an auth header must
    not reach another host), and the providers' APIs need no cookies. So the
    request is prepared with the session's headers (``PreparedRequest``'s
    own steps), and sent by the session's transport adapter (requests'
    documented ``HTTPAdapter.send``) with the session's proxies, TLS
    settings and response hooks.
    """
    import requests
    from requests.hooks import dispatch_hook
    from requests.structures import CaseInsensitiveDict

    options = dict(kwargs)
    timeout = options.pop("timeout", None)
    stream = bool(options.pop("stream", False))
    verify = options.pop("verify", session.verify)
    cert = options.pop("cert", session.cert)
    proxies = {**session.proxies, **(options.pop("proxies", None) or {})}
    if options.pop("allow_redirects", False):
        raise ValueError("liasse's provider calls never follow redirects")
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(session.headers)
    headers.update(options.pop("headers", None) or {})
    # Request.prepare's steps in its order, less the cookie jar (none is ever sent) and the request hooks.
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    params = options.pop("params", None)
    if params is None and "?" not in url:
        # A query may carry a provider's token (a proof's download link): such URLs are not kept.
        prepared.url = _prepared_url(url)
    else:
        prepared.prepare_url(url, params)
    prepared.prepare_headers({name: value for name, value in headers.items() if value is not None})
    prepared.prepare_body(options.pop("data", None), options.pop("files", None), options.pop("json", None))
    prepared.prepare_auth(options.pop("auth", None) or session.auth, url)
    if options:
        raise TypeError(f"unexpected arguments for a provider call: {', '.join(sorted(options))}")
    started = time.perf_counter()
    response: requests.Response = session.get_adapter(url).send(
        prepared, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
    )
    response.elapsed = dt.timedelta(seconds=time.perf_counter() - started)
    response = dispatch_hook("response", session.hooks, response)
    if not stream:
        response.content  # noqa: B018 - read now, as Session.send does, so the connection goes back to the pool
    return response


@functools.lru_cache(maxsize=256)
def _prepared_url(url: str) -> str:
    """``url`` as ``PreparedRequest.prepare_url`` writes it (parsed, IDNA-encoded, requoted).

    A provider's calls go to a handful of URLs: each is prepared once, not
    once a call (P2). An invalid URL raises, and is not kept.
    """
    import requests

    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    return str(prepared.url)


def _form_body(data: Any, headers: Mapping[str, str] | None, files: bool) -> tuple[Any, Mapping[str, str] | None]:
    """A form given as a mapping of strings, encoded here as requests would encode it.

    requests encodes a mapping field by field through runtime protocol
    checks, a fifth of its time per call in a bulk send (P2); the bytes are
    the same (``application/x-www-form-urlencoded``, UTF-8). Anything else
    (files, streams, lists, non-string values) is left to requests.
    """
    if files or not data or not isinstance(data, Mapping) or not all(type(v) is str and type(k) is str for k, v in data.items()):
        return data, headers
    if headers and any(name.lower() == "content-type" for name in headers):
        return data, headers
    return urlencode(list(data.items())).encode("ascii"), {**(headers or {}), "Content-Type": FORM}


class _Body:
    """A request body as a retry sees it: rewound to its start, or not replayable at all."""

    def __init__(self, data: Any) -> None:
        self._data = data
        self._start: int | None = None
        self.replayable = True
        if data is None or isinstance(data, (bytes, bytearray, str, Mapping, list, tuple)):
            return
        if hasattr(data, "read") and hasattr(data, "seek") and _seekable(data):
            self._start = data.tell()
            return
        # A generator or a one-shot stream: once read it is gone, so the call is made once.
        self.replayable = False

    def rewind(self) -> None:
        """Put a file body back where it started, so the next attempt sends all of it."""
        if self._start is not None:
            self._data.seek(self._start)


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable()) if hasattr(stream, "seekable") else True
    except (OSError, ValueError):
        return False


def _has_key(headers: Mapping[str, str] | None) -> bool:
    return bool(headers) and any(name.lower() == "idempotency-key" for name in headers)  # type: ignore[union-attr]


def _never_sent(exc: BaseException) -> bool:
    """Whether a ConnectionError happened before any byte of the request left (the connection never opened)."""
    from urllib3.exceptions import NewConnectionError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, NewConnectionError | ConnectionRefusedError):
            return True
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException) and reason is not seen:
            seen = reason
            continue
        args = getattr(seen, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        seen = nested if nested is not seen else None
    return False


def _tried(fr: str, en: str, attempts: int) -> str:
    """The failure's words, saying how many attempts were made when there were several."""
    if attempts <= 1:
        return f"{fr} / {en}"
    return f"{fr} après {attempts} essais / {en} after {attempts} attempts"


def _too_large(title: str, max_bytes: int) -> ProviderError:
    return ProviderError(
        title=title,
        detail_fr=f"le fichier dépasse la taille autorisée ({max_bytes} octets) ; il n'a pas été importé",
        detail_en=f"the file exceeds the allowed size ({max_bytes} bytes); it was not imported",
    )


def _file_name(disposition: str) -> str:
    """The file name of a Content-Disposition header, reduced to safe characters."""
    from email.message import Message

    if not disposition:
        return ""
    from liasse.files import safe_file_name

    message = Message()
    message["Content-Disposition"] = disposition
    return safe_file_name(message.get_filename() or "")


_ADAPTER: type[Any] | None = None


def _adapter_class() -> type[Any]:
    """requests' HTTPAdapter for liasse's sessions (built on first use).

    Its connections send bodies :data:`SEND_BLOCK` at a time, and a direct
    connection's pool is looked up once per origin and TLS settings: requests
    rebuilds the pool key from the URL at every call (parsing it, checking
    the CA bundle path on disk, normalising the key), a tenth of a bulk
    send's transport (P2). Calls through a proxy keep requests' own lookup.
    """
    global _ADAPTER
    if _ADAPTER is None:
        from requests.adapters import HTTPAdapter

        class BlockAdapter(HTTPAdapter):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                #: (origin, verify, cert) → its urllib3 pool, for calls made without a proxy.
                self._pools: dict[tuple[str, Any, Any], Any] = {}
                super().__init__(*args, **kwargs)

            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs.setdefault("blocksize", SEND_BLOCK)
                super().init_poolmanager(*args, **kwargs)

            def get_connection_with_tls_context(
                self, request: Any, verify: Any, proxies: Mapping[str, str] | None = None, cert: Any = None
            ) -> Any:
                if proxies:
                    return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
                key = (_origin(request.url), verify, cert)
                pool = self._pools.get(key)
                # A pool the pool manager closed (evicted, or the adapter closed) is looked up again.
                if pool is None or pool.pool is None:
                    pool = self._pools[key] = super().get_connection_with_tls_context(request, verify, cert=cert)
                return pool

            def close(self) -> None:
                self._pools.clear()
                super().close()

        _ADAPTER = BlockAdapter
    return _ADAPTER


def _origin(url: str) -> str:
    """``scheme://host:port`` of an absolute URL, as written (the pool cache's key)."""
    start = url.find("//") + 2
    end = min((i for i in (url.find(c, start) for c in "/?#") if i >= 0), default=len(url))
    return url[:end]
