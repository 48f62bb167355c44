"""Guards against hostile received documents (ARCHITECTURE: documents from outside are untrusted).

A received file is checked before anything reads it: its size against a
cap, its first bytes against its name (an executable named ``.pdf`` stops
here). A PDF is then inspected with pypdf under liasse's own decompression
caps (:func:`inspect_pdf`): every stream is inflated once, within a budget,
so a stream that inflates to gigabytes is refused rather than read; the
report says what active content it holds (JavaScript, actions run at
opening, Launch actions, embedded files, XFA forms). :func:`strip_active_content`
writes a copy without it. The original is never modified: whatever is
refused, the caller keeps it, with a sentence (:class:`HostileDocument`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from liasse.errors import HostileDocument
from liasse.files import EXECUTABLE_TYPES, RECEIVED_TYPES, claimed_type, name_problem, shown_size, sniffed_type, write_atomically
from liasse.intake.confined import run_confined
from liasse.intake.pdf_limits import MAX_PAGES, MAX_STREAM_BYTES, PDF_ERRORS, pdf_caps

if TYPE_CHECKING:
    from pypdf import PdfReader, PdfWriter

log = logging.getLogger(__name__)

#: No received file above this size is read at all (checked on the file's size, before opening it).
MAX_FILE_BYTES = 100 * 1024 * 1024
#: All streams of one PDF together: many streams just under the cap are a bomb too.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: A PDF with more indirect objects than this is refused (a real RIB has a few hundred).
MAX_OBJECTS = 500_000
#: How deep nested direct objects are followed: a hostile file can nest arrays without end.
MAX_DEPTH = 64

#: Actions that run code, start programs, open or send files: stripped wherever they hang.
DANGEROUS_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/Rendition", "/RichMediaExecute", "/GoToE", "/GoToR"}
)
#: Annotations that carry a file or play media: removed from pages.
ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"})



@attrs.frozen
class PdfReport:
    """What :func:`inspect_pdf` found in a PDF."""

    pages: int
    encrypted: bool
    #: JavaScript anywhere: document scripts, actions, form fields, links.
    javascript: bool
    #: An action runs when the document opens (/OpenAction action, document /AA, or document scripts).
    open_action: bool
    #: Actions that start a program or open another file (/Launch, /GoToR, /GoToE).
    launch_actions: int
    #: Files carried inside the PDF (/EmbeddedFile streams).
    embedded_files: int
    #: An XFA form (scriptable, rendered by Acrobat only).
    xfa: bool
    #: Bytes all streams inflate to (within the caps).
    inflated_bytes: int = 0
    #: Actions that send or pull data (/SubmitForm, /ImportData) or play media, and media annotations (/RichMedia …).
    other_active: int = 0

    @property
    def active(self) -> bool:
        """True when the PDF holds anything :func:`strip_active_content` removes."""
        return (
            self.javascript
            or self.open_action
            or bool(self.launch_actions)
            or bool(self.embedded_files)
            or self.xfa
            or bool(self.other_active)
        )

    def found(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The active content found, in the user's words: (French, English)."""
        words = [
            (present, fr, en)
            for present, fr, en in (
                (self.javascript, "JavaScript", "JavaScript"),
                (self.open_action, "action à l'ouverture", "action run on opening"),
                (bool(self.launch_actions), "lancement de programme", "program launch"),
                (bool(self.embedded_files), f"{self.embedded_files} fichier(s) joint(s)", f"{self.embedded_files} embedded file(s)"),
                (self.xfa, "formulaire XFA", "XFA form"),
                (bool(self.other_active), "envoi de données ou média actif", "data submission or active media"),
            )
            if present
        ]
        return tuple(fr for _, fr, _ in words), tuple(en for _, _, en in words)


def check_received_file(
    path: Path, file_name: str | None = None, *, expected: str | None = None, max_bytes: int | None = None
) -> str:
    """The media type of a received file, after the checks done before reading it; :class:`HostileDocument` else.

    Its size (within ``max_bytes``, :data:`MAX_FILE_BYTES` by default), then
    its first bytes: a program is refused whatever its name, and so is
    content that is not what the name (``file_name``, else the path's) says,
    or not ``expected`` when given (a file stored under a generated name).
    """
    name = file_name or path.name
    bad_name = name_problem(name)
    if bad_name is not None:
        raise _hostile(
            _shown_name(name),
            *bad_name,
            fix_fr="ne l'ouvrez pas, et demandez au client de renvoyer le document sous un nom ordinaire.",
            fix_en="do not open it, and ask the client to send the document again under an ordinary name.",
        )
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        # The size comes from the file system, before a single byte is read.
        size = path.stat().st_size
    except OSError:
        raise _hostile(name, "le fichier est introuvable ou illisible", "the file is missing or unreadable") from None
    if size > limit:
        # A size is not a disguise: the fix is a smaller file, or the provider's own site.
        raise _hostile(
            name,
            f"il pèse {shown_size(size, 'fr')}, au-delà des {shown_size(limit, 'fr')} que liasse inspecte",
            f"it weighs {shown_size(size, 'en')}, over the {shown_size(limit, 'en')} liasse inspects",
            fix_fr="demandez au client de l'envoyer en plusieurs fichiers plus petits, ou récupérez-le sur le site du service.",
            fix_en="ask the client to send it as several smaller files, or fetch it from the provider's site.",
        )
    if size == 0:
        raise _hostile(name, "il est vide", "it is empty")
    actual = sniffed_type(path)
    claimed = expected or claimed_type(name)
    if actual in EXECUTABLE_TYPES:
        raise _hostile(
            name,
            f"c'est un programme ({actual}) déguisé sous un nom de document ({claimed})",
            f"it is a program ({actual}) disguised under a document's name ({claimed})",
            fix_fr="ne l'ouvrez pas, et prévenez le client : son envoi a peut-être été piraté.",
            fix_en="do not open it, and warn the client: their sending may have been hijacked.",
        )
    if actual is None or actual != claimed:
        raise _hostile(
            name,
            f"son contenu ({actual or 'inconnu'}) ne correspond pas à son nom ({claimed})",
            f"its content ({actual or 'unknown'}) does not match its name ({claimed})",
        )
    if actual not in RECEIVED_TYPES:
        raise _hostile(
            name,
            f"le type {actual} n'est pas accepté à la réception (PDF, PNG, JPEG, TIFF, HEIC ou ZIP seulement)",
            f"the type {actual} is not accepted on receipt (PDF, PNG, JPEG, TIFF, HEIC or ZIP only)",
            fix_fr="demandez au client de l'envoyer en PDF.",
            fix_en="ask the client to send it as a PDF.",
        )
    return actual


def foreign_data(path: Path) -> bool:
    """True when a PDF also carries another format (a polyglot): HTML in its head, or bytes after its last ``%%EOF``.

    A zip, a JPEG or a script appended after the end of the PDF is opened by
    other readers as their own; rewriting the PDF (:func:`strip_active_content`)
    leaves it out.
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        head = stream.read(1024).lower()
        stream.seek(max(0, size - 65536))
        tail = stream.read()
    if any(marker in head for marker in (b"<html", b"<script", b"<body", b"<svg")):
        return True
    end = tail.rfind(b"%%EOF")
    return end == -1 or len(tail[end + 5 :].strip(b"\r\n\t \x00")) > 0


def _shown_name(name: str) -> str:
    """A hostile name fit for a message: invisible and control characters shown as escapes."""
    import unicodedata

    return "".join(c if unicodedata.category(c) not in ("Cc", "Cf") else f"\\u{ord(c):04x}" for c in name)[:200]


def inspect_pdf(path: Path, file_name: str | None = None) -> PdfReport:
    """What the PDF at ``path`` holds, read under liasse's caps; :class:`HostileDocument` when it breaks them.

    Size and type are checked first (:func:`check_received_file`); then, in
    the confined worker (:mod:`liasse.intake.confined`), every indirect
    object is visited once and every stream inflated once, each within
    :data:`MAX_STREAM_BYTES` and all within :data:`MAX_TOTAL_BYTES`. An
    encrypted PDF is inspected when an empty password opens it (permissions
    only); locked by a real password, it is reported as encrypted and nothing
    else (``pages`` 0): nothing in it can run without the password.
    ``file_name`` is the name messages give (the sender's, else the path's).
    """
    name = file_name or path.name
    check_received_file(path, name, expected="application/pdf")
    return run_confined(_inspect_confined, path, name, _caps(), file_name=name)


def strip_active_content(src: Path, dest: Path, file_name: str | None = None) -> Path:
    """Write to ``dest`` a copy of the PDF ``src`` without active content; return ``dest``.

    Removed: /OpenAction and /AA actions, the /JavaScript and /EmbeddedFiles
    name trees, dangerous actions (:data:`DANGEROUS_ACTIONS`) on links,
    fields and bookmarks, file and media annotations, embedded file
    specifications and XFA forms. Pages, text, images, links and form fields
    stay. ``src`` is inspected first (bombs, encryption refused) and is never
    modified; the copy is inspected again before it is kept. Parsing and
    writing happen in the confined worker.
    """
    if src.resolve() == dest.resolve():
        raise ValueError(f"the cleaned copy must not overwrite its original: {src}")
    name = file_name or src.name
    report = inspect_pdf(src, name)
    if report.encrypted:
        raise _hostile(
            name,
            "le PDF est chiffré : son contenu actif ne peut pas être retiré",
            "the PDF is encrypted: its active content cannot be removed",
            fix_fr="demandez au client une version non protégée du document.",
            fix_en="ask the client for an unprotected version of the document.",
        )
    run_confined(_strip_confined, src, dest, name, _caps(), file_name=name)
    try:
        left = inspect_pdf(dest, name)
    except HostileDocument:
        dest.unlink(missing_ok=True)
        raise
    if left.active:
        dest.unlink(missing_ok=True)
        raise _hostile(
            name,
            "son contenu actif n'a pas pu être entièrement retiré",
            "its active content could not be removed entirely",
        )
    return dest


# --- in the confined worker ---------------------------------------------------------


@attrs.frozen
class _Caps:
    """The caps as the calling process has them: a host (or a test) may have tuned the module's values."""

    stream: int
    total: int
    objects: int
    pages: int
    depth: int


def _caps() -> _Caps:
    return _Caps(MAX_STREAM_BYTES, MAX_TOTAL_BYTES, MAX_OBJECTS, MAX_PAGES, MAX_DEPTH)


def _adopt(caps: _Caps) -> None:
    """Make the caller's caps this worker's (calls come one at a time, so module values are safe to set)."""
    global MAX_STREAM_BYTES, MAX_TOTAL_BYTES, MAX_OBJECTS, MAX_PAGES, MAX_DEPTH
    MAX_STREAM_BYTES, MAX_TOTAL_BYTES, MAX_OBJECTS = caps.stream, caps.total, caps.objects
    MAX_PAGES, MAX_DEPTH = caps.pages, caps.depth


def _inspect_confined(path: Path, name: str, caps: _Caps) -> PdfReport:
    _adopt(caps)
    report: PdfReport = _guarded(path, _inspect, name)
    return report


def _strip_confined(src: Path, dest: Path, name: str, caps: _Caps) -> None:
    _adopt(caps)
    write_atomically(dest, _guarded(src, _stripped, name))


# --- inspection -----------------------------------------------------------------


def _inspect(reader: PdfReader, name: str) -> PdfReport:
    from pypdf.generic import DictionaryObject, StreamObject

    encrypted = bool(reader.is_encrypted)
    if encrypted and not reader.decrypt(""):
        # Locked by a password: nothing inside can be read, by liasse or by a viewer without it.
        return PdfReport(
            pages=0, encrypted=True, javascript=False, open_action=False, launch_actions=0, embedded_files=0, xfa=False
        )
    pages = len(reader.pages)
    if pages > MAX_PAGES:
        raise _hostile(name, f"le PDF a plus de {MAX_PAGES} pages", f"the PDF has more than {MAX_PAGES} pages")
    javascript = open_action = xfa = False
    launch = embedded = total = other = 0
    root = _resolved(reader.trailer.get("/Root"))
    if isinstance(root, DictionaryObject):
        action = _resolved(root.get("/OpenAction"))
        open_action = isinstance(action, DictionaryObject) or "/AA" in root
        names = _resolved(root.get("/Names"))
        if isinstance(names, DictionaryObject) and "/JavaScript" in names:
            # Document-level scripts run when the document opens.
            javascript = open_action = True
        acroform = _resolved(root.get("/AcroForm"))
        xfa = isinstance(acroform, DictionaryObject) and "/XFA" in acroform
    for obj in _all_objects(reader, name):
        for node in _direct_dicts(obj):
            kind = node.get("/S")
            if kind == "/JavaScript" or "/JS" in node:
                javascript = True
            if kind in ("/Launch", "/GoToR", "/GoToE"):
                launch += 1
            if node.get("/Type") == "/EmbeddedFile":
                embedded += 1
            if kind in DANGEROUS_ACTIONS and kind not in ("/JavaScript", "/Launch", "/GoToR", "/GoToE"):
                other += 1
            if node.get("/Subtype") in ACTIVE_ANNOTATIONS and node.get("/Subtype") != "/FileAttachment":
                other += 1
        if isinstance(obj, StreamObject):
            total += _inflated_size(obj, name)
            if total > MAX_TOTAL_BYTES:
                raise _bomb(name)
    return PdfReport(
        pages=pages,
        encrypted=encrypted,
        javascript=javascript,
        open_action=open_action,
        launch_actions=launch,
        embedded_files=embedded,
        xfa=xfa,
        inflated_bytes=total,
        other_active=other,
    )


def _inflated_size(stream: Any, name: str) -> int:
    """How many bytes ``stream`` inflates to; a cap reached propagates, a merely damaged stream counts 0.

    A broken image stream does not make a document hostile (viewers skip it);
    only the caps decide that.
    """
    from pypdf.errors import LimitReachedError, PyPdfError

    damaged: tuple[type[BaseException], ...] = (PyPdfError, NotImplementedError, *PDF_ERRORS)
    try:
        return len(stream.get_data())
    except LimitReachedError:
        raise
    except damaged:
        log.info("a stream of %s cannot be decoded; counted as empty", name, exc_info=True)
        return 0


def _all_objects(reader: PdfReader, name: str) -> Iterator[Any]:
    """Every indirect object of the file once, in number order, within :data:`MAX_OBJECTS`."""
    found = {(num, gen) for gen, table in reader.xref.items() for num in table if num > 0}
    found |= {(num, 0) for num in reader.xref_objStm}
    numbers = sorted(found)
    if len(numbers) > MAX_OBJECTS:
        raise _hostile(
            name,
            f"le PDF compte plus de {MAX_OBJECTS} objets",
            f"the PDF holds more than {MAX_OBJECTS} objects",
        )
    from pypdf.generic import IndirectObject

    for num, gen in numbers:
        obj = reader.get_object(IndirectObject(num, gen, reader))
        if obj is not None:
            yield obj


def _direct_dicts(obj: Any, depth: int = 0) -> Iterator[Any]:
    """The dictionaries in ``obj`` and nested in it directly (indirect ones are visited on their own)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if depth > MAX_DEPTH or isinstance(obj, IndirectObject):
        return
    if isinstance(obj, DictionaryObject):
        yield obj
        for value in obj.values():
            yield from _direct_dicts(value, depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            yield from _direct_dicts(value, depth + 1)


# --- stripping --------------------------------------------------------------------


def _stripped(reader: PdfReader, name: str) -> bytes:
    """The PDF without active content, as bytes (see :func:`strip_active_content`)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=reader)
    root = writer.root_object
    for key in ("/OpenAction", "/AA", "/NeedsRendering"):
        if key == "/OpenAction" and not _is_dangerous_open_action(root.get(key)):
            continue  # an /OpenAction that only shows a page is no active content
        root.pop(key, None)
    names = _resolved(root.get("/Names"))
    if names is not None:
        for key in ("/JavaScript", "/EmbeddedFiles"):
            names.pop(key, None)
    acroform = _resolved(root.get("/AcroForm"))
    if acroform is not None:
        acroform.pop("/XFA", None)
    reachable = _clean_graph(writer)
    _drop_unreachable(writer, reachable)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _clean_graph(writer: PdfWriter) -> set[int]:
    """Walk everything reachable from the catalogue once, cut the active parts off; the object numbers still reachable."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[int] = set()
    # The catalogue and the /Info dictionary (producer, dates) are the roots a PDF is read from.
    starts = [writer.root_object.indirect_reference, getattr(writer, "_info_obj", None)]
    stack: list[tuple[Any, int]] = [(start, 0) for start in starts if isinstance(start, IndirectObject)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        visited += 1
        if visited > MAX_OBJECTS * 4 or depth > MAX_DEPTH * 8:
            raise ValueError("object graph too large to clean")
        if isinstance(node, DictionaryObject):
            _clean_dict(node)
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, ArrayObject):
            _clean_array(node)
            stack.extend((value, depth + 1) for value in node)
    return seen


def _drop_unreachable(writer: PdfWriter, reachable: set[int]) -> None:
    """Leave out of the copy every object the catalogue no longer reaches: the scripts and files just unhooked.

    pypdf writes every object it holds, referenced or not, and its own
    ``compress_identical_objects(remove_unreferenced=True)`` only drops one
    layer of them per pass (an unhooked name tree still "references" its
    files); hence this one pass over the writer's object table.
    """
    objects = writer._objects
    for index in range(len(objects)):
        if objects[index] is not None and index + 1 not in reachable:
            objects[index] = None


def _clean_dict(node: Any) -> None:
    """Drop the active entries of one dictionary: triggers, dangerous actions, scripts, embedded files."""
    node.pop("/AA", None)  # additional actions run on events (open, close, focus, keystroke)
    node.pop("/JS", None)  # script of a JavaScript or Rendition action
    node.pop("/EF", None)  # a file specification's embedded file
    for key in ("/A", "/Next", "/OpenAction"):
        if key in node and _is_dangerous_action(node.get(key)):
            node.pop(key, None)
    if node.get("/Subtype") in ACTIVE_ANNOTATIONS:
        # Unhooked from its page by _clean_array; its file goes too, should anything else point at it.
        node.pop("/FS", None)


def _clean_array(node: Any) -> None:
    """Remove file and media annotations from an /Annots array (and dangerous actions from /Next chains)."""
    keep = []
    for item in node:
        value = _resolved(item)
        if hasattr(value, "get") and (value.get("/Subtype") in ACTIVE_ANNOTATIONS or _is_dangerous_action(value)):
            continue
        keep.append(item)
    if len(keep) != len(node):
        node[:] = keep


def _is_dangerous_action(value: Any) -> bool:
    action = _resolved(value)
    if isinstance(action, list):  # /Next may be an array of actions
        return any(_is_dangerous_action(item) for item in action)
    return hasattr(action, "get") and (action.get("/S") in DANGEROUS_ACTIONS or "/JS" in action)


def _is_dangerous_open_action(value: Any) -> bool:
    """An /OpenAction that is an action dictionary (not a bare destination) runs something on opening."""
    return hasattr(_resolved(value), "get")


# --- common -----------------------------------------------------------------------


def _guarded(path: Path, work: Any, name: str) -> Any:
    """Run ``work(reader, name)`` on a pypdf reader under liasse's caps, every failure a :class:`HostileDocument`."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    errors: tuple[type[BaseException], ...] = (PyPdfError, DependencyError, *PDF_ERRORS)
    try:
        with apply_configuration(pdf_caps(MAX_STREAM_BYTES)):
            reader = PdfReader(path, strict=False)
            return work(reader, name)
    except HostileDocument:
        raise
    except (LimitReachedError, MemoryError):
        raise _bomb(name) from None
    except errors as exc:
        log.info("PDF %s refused", name, exc_info=True)
        raise _hostile(
            name,
            f"PDF illisible ou endommagé ({type(exc).__name__})",
            f"unreadable or damaged PDF ({type(exc).__name__})",
        ) from None


def _resolved(value: Any) -> Any:
    from pypdf.generic import NullObject

    if value is None:
        return None
    value = value.get_object() if hasattr(value, "get_object") else value
    return None if isinstance(value, NullObject) else value


def _bomb(name: str) -> HostileDocument:
    return _hostile(
        name,
        "un de ses flux se décompresse au-delà des limites de lecture (« bombe de décompression »)",
        "one of its streams inflates beyond the reading limits (a 'decompression bomb')",
        fix_fr="ne l'ouvrez pas, et demandez au client de renvoyer le document, imprimé en PDF ordinaire.",
        fix_en="do not open it, and ask the client to send the document again, printed to an ordinary PDF.",
    )


def _hostile(
    file_name: str,
    reason_fr: str,
    reason_en: str,
    *,
    fix_fr: str = "demandez au client de renvoyer le document dans son vrai format.",
    fix_en: str = "ask the client to send the document again in its real format.",
) -> HostileDocument:
    return HostileDocument(file_name=file_name, reason_fr=reason_fr, reason_en=reason_en, fix_fr=fix_fr, fix_en=fix_en)
