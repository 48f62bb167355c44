"""The HTTP transport every provider plugin uses.

One pooled ``requests`` session per provider and credential, a timeout on
every call, transport failures turned into :class:`~liasse.errors.ProviderUnavailable`
(nothing lost, try later), and downloads streamed to disk with a size cap and
a SHA-256. Plugins call :meth:`HttpClient.request` and map the provider's own
4xx answers to liasse errors themselves, since each provider words them
differently.

``requests`` is imported when the first client is built, not when a plugin
module is imported: listing plugins stays cheap.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from liasse.__about__ import __version__
from liasse.errors import LiasseError, ProviderError, ProviderUnavailable

if TYPE_CHECKING:
    import requests

CHUNK = 1024 * 1024
USER_AGENT = f"liasse/{__version__}"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
#: Query parameters whose values never reach a log line (some providers, AR24 among them,
#: put their token in the query string, and urllib3 logs request lines at DEBUG).
_SECRET_QUERY = re.compile(
    r"([?&](?:token|access_token|api_key|apikey|key|password|secret|signature)=)[^&\s\"']+", re.IGNORECASE
)

#: Maps a provider's refusal (a 4xx other than 429) to the liasse error the user reads.
Refusal = Callable[["requests.Response"], LiasseError]


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


class HttpClient:
    """A provider's base URL, a pooled session and liasse's rules for calling it."""

    def __init__(self, provider_title: str, base_url: str, *, timeout: float = 30.0, connect_timeout: float = 5.0) -> None:
        self.provider_title = provider_title
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, timeout)
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
                from requests.adapters import HTTPAdapter

                _hide_secret_queries()
                session = requests.Session()
                session.headers["User-Agent"] = USER_AGENT
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._session = session
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
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request; return the response when its status is in ``expect``.

        Transport errors, 429 and 5xx answers raise ProviderUnavailable. Any
        other status raises what ``refuse`` makes of the response (the
        plugin's reading of its provider's error body), else a generic
        ProviderError with the status.
        """
        import requests

        kwargs.setdefault("timeout", self.timeout)
        # A redirect to another host would carry the provider's auth headers with it.
        kwargs.setdefault("allow_redirects", False)
        try:
            response = self.session.request(method, self.url(path), **kwargs)
        except requests.Timeout:
            raise ProviderUnavailable(title=self.provider_title, detail="délai dépassé / timed out") from None
        except requests.ConnectionError:
            raise ProviderUnavailable(title=self.provider_title, detail="connexion impossible / cannot connect") from None
        if response.status_code in set(expect):
            return response
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(title=self.provider_title, detail=f"HTTP {response.status_code}")
        if refuse is not None:
            raise refuse(response)
        raise ProviderError(
            title=self.provider_title,
            detail_fr=f"réponse HTTP {response.status_code} inattendue pour {method} {path}",
            detail_en=f"unexpected HTTP {response.status_code} for {method} {path}",
        )

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
        try:
            with response, target.open("wb") as out:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_large(self.provider_title, max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
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
    message = Message()
    message["Content-Disposition"] = disposition
    name = message.get_filename() or ""
    return _SAFE_NAME.sub("_", Path(name).name)[:200]
