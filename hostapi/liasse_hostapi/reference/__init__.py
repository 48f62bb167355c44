"""The reference host: the whole contract implemented on SQLite, with demo data from the manuals.

liasse's demo, its tests and plugin vendors' conformance runs use it; host
developers read it as a worked example. It imports nothing of liasse.
"""

from liasse_hostapi.reference.accounts import UnknownMatter
from liasse_hostapi.reference.host import ReferenceHost, files_folder
from liasse_hostapi.reference.letters import PartyRole

__all__ = ["PartyRole", "ReferenceHost", "UnknownMatter", "files_folder"]
