"""Large documents for tests and benchmarks, written to disk without ever being whole in memory."""

from __future__ import annotations

import io
import os
from pathlib import Path

#: An A4 page scanned at 300 dpi, in pixels.
A4_300_DPI = (2480, 3508)


def scanned_pdf(path: Path, size_mb: int) -> int:
    """A scanned deed of at least ``size_mb`` MiB at ``path`` (whole pages of about 7 MiB): its page count.

    The PDF syntax is written here rather than by fpdf2, which holds the
    whole document in memory until it is output: a 1 GiB fixture would take
    1 GiB of the test's memory, the very thing the benchmarks measure.
    Noise keeps each page's JPEG a few MiB, as a real scan's is.
    """
    from PIL import Image

    width, height = A4_300_DPI
    buffer = io.BytesIO()
    Image.frombytes("L", (width, height), os.urandom(width * height)).save(buffer, "JPEG", quality=92)
    jpeg = buffer.getvalue()
    pages = max(1, -(-size_mb * 1024 * 1024 // len(jpeg)))  # at least size_mb: rounded up to a whole page
    offsets: list[int] = []
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

        def obj(body: bytes) -> None:
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % len(offsets) + body + b"\nendobj\n")

        kids = b" ".join(b"%d 0 R" % (3 + 3 * i) for i in range(pages))
        obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids))
        content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
        for i in range(pages):
            stream, image = 4 + 3 * i, 5 + 3 * i  # the page itself is object 3 + 3 * i
            obj(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (image, stream)
            )
            obj(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
            obj(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (width, height, len(jpeg))
                + jpeg
                + b"\nendstream"
            )
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref))
    return pages
