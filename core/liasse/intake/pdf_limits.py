"""What liasse allows a PDF it did not make, shared by every step that opens one (stamp, hostile checks).

pypdf's limits are applied through its ``Configuration`` for the call only
(a context variable), so other pypdf users in the process keep theirs.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import Configuration

#: A PDF with more pages than this is neither marked nor inspected.
MAX_PAGES = 2_000
#: No single PDF stream is inflated beyond this (pypdf's own default is 75 MB).
MAX_STREAM_BYTES = 64 * 1024 * 1024

#: What pypdf and the PDFs it reads throw besides its own errors: a damaged file surfaces as
#: any of these, deep inside the parser, and must end as a refusal, not as a crash of the import.
PDF_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    AssertionError,
    RecursionError,
    OSError,
    zlib.error,
    struct.error,
)


def pdf_caps(max_stream_bytes: int = MAX_STREAM_BYTES) -> Configuration:
    """The current pypdf configuration with every decompression capped at ``max_stream_bytes``."""
    from pypdf import get_configuration

    return get_configuration().with_overwrites(
        zlib_maximum_output_length=max_stream_bytes,
        lzw_maximum_output_length=max_stream_bytes,
        run_length_maximum_output_length=max_stream_bytes,
        maximum_declared_stream_length=max_stream_bytes,
    )
