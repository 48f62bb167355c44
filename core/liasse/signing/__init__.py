"""E-signature: signature files made from events, sent, followed and archived (ES-02 … ES-12).

:class:`~liasse.signing.desk.SigningDesk` is the service; placements and
role rules live in :mod:`.placement` and :mod:`.roles`; what screens show
in :mod:`.records`.
"""

from liasse.signing.desk import SigningDesk
from liasse.signing.records import Placement, RefreshReport, SignatureFile, Signer

__all__ = ["Placement", "RefreshReport", "SignatureFile", "Signer", "SigningDesk"]
