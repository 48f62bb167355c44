"""The reference host: every protocol of the contract on one SQLite file and a folder of files."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import Engine

from liasse_hostapi.reference import schema
from liasse_hostapi.reference.accounts import SqlAccounts
from liasse_hostapi.reference.attachments import SqlAttachments
from liasse_hostapi.reference.banking import SqlOfficeBanking
from liasse_hostapi.reference.database import create_sqlite_engine
from liasse_hostapi.reference.demo_seed import seed
from liasse_hostapi.reference.directory import SqlClientDirectory
from liasse_hostapi.reference.documents import SqlDocumentRenderer
from liasse_hostapi.reference.file_store import FileStore
from liasse_hostapi.reference.ibans import SqlIbanRecords
from liasse_hostapi.reference.letters import SqlEvents
from liasse_hostapi.reference.office import SqlOfficeDirectory


def files_folder(database: Path) -> Path:
    """Where the attachments of the database at ``database`` live: ``<stem>-files/`` beside it."""
    return database.with_name(f"{database.stem}-files")


class ReferenceHost:
    """A complete host for liasse's demo, tests and sandboxes, on SQLite.

    It is what a host developer reads to see how the contract maps onto a
    real database; it satisfies :class:`liasse_hostapi.protocols.Host`.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, engine: Engine, files: FileStore, path: Path) -> None:
        """Prefer :meth:`open` or :meth:`create_demo`, which create the tables first."""
        self.path = path
        self._engine = engine
        self._files = files
        self._office = SqlOfficeDirectory(engine)
        self._accounts = SqlAccounts(engine)
        self._attachments = SqlAttachments(engine, files)
        self._ibans = SqlIbanRecords(engine)
        self._banking = SqlOfficeBanking(engine)
        self._events = SqlEvents(engine)
        self._documents = SqlDocumentRenderer(engine)
        self._directory = SqlClientDirectory(engine)

    @classmethod
    def open(cls, path: Path) -> ReferenceHost:
        """Open the host database at ``path``, creating the file and its tables when missing."""
        path = Path(path)
        engine = create_sqlite_engine(path)
        try:
            schema.metadata.create_all(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, FileStore(files_folder(path)), path)

    @classmethod
    def create_demo(cls, path: Path) -> ReferenceHost:
        """Open ``path`` with the demo office in it; the demo is added once, never twice."""
        host = cls.open(path)
        try:
            seed(host._engine, host._files)
        except BaseException:
            host.close()
            raise
        return host

    def close(self) -> None:
        """Release the database connections (the file can then be moved or deleted)."""
        self._engine.dispose()

    def __enter__(self) -> ReferenceHost:
        """Use the host for the length of a ``with`` block."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Close the host when the block ends."""
        self.close()

    @property
    def files_path(self) -> Path:
        """The folder holding attachment contents."""
        return self._files.root

    @property
    def office(self) -> SqlOfficeDirectory:
        """The office and its users."""
        return self._office

    @property
    def accounts(self) -> SqlAccounts:
        """Accounts, matters, participations."""
        return self._accounts

    @property
    def attachments(self) -> SqlAttachments:
        """Stored files."""
        return self._attachments

    @property
    def ibans(self) -> SqlIbanRecords:
        """IBAN records."""
        return self._ibans

    @property
    def banking(self) -> SqlOfficeBanking:
        """The office's bank accounts."""
        return self._banking

    @property
    def events(self) -> SqlEvents:
        """Letters made from templates."""
        return self._events

    @property
    def documents(self) -> SqlDocumentRenderer:
        """Accounting documents as PDF."""
        return self._documents

    @property
    def directory(self) -> SqlClientDirectory:
        """The external client directory."""
        return self._directory

    def __repr__(self) -> str:
        """Names the database file, so logs say which host is meant."""
        return f"ReferenceHost({str(self.path)!r})"
