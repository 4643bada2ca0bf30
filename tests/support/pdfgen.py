"""A tiny PDF writer for tests: real PDF files with text that pypdf can read (no dependency),
and the words of the two pages the PDF tests share."""

from __future__ import annotations

# Two pages in the words of India's Digital Personal Data Protection Act, 2023 (its opening and
# section 8(7)), for the PDF tests: the pdf kind and the headline of a PDF change.
ACT_V1 = [
    [
        "THE DIGITAL PERSONAL DATA PROTECTION ACT, 2023",
        "CHAPTER I",
        "PRELIMINARY",
        "1. (1) This Act may be called the Digital Personal Data Protection Act,",
        "2023. (2) It shall come into force on such date as the Central Government",
        "may, by notification in the Official Gazette, appoint.",
    ],
    [
        "8. (7) A Data Fiduciary shall, unless retention is necessary for compliance",
        "with any law, erase personal data within a period of thirty days.",
    ],
]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def assemble(objects: dict[int, bytes], trailer: bytes = b"") -> bytes:
    """A PDF file of `objects` (numbered 1 to n, 1 the catalog): header, objects, the
    cross-reference table and the trailer, with `trailer` added to its dictionary."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    count = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for number in range(1, count):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (count, trailer, xref)
    return bytes(out)


def make_pdf(pages: list[list[str]], *, title: str = "Test document") -> bytes:
    """A valid PDF 1.4 with one page per list of lines (Helvetica 11pt, latin-1 text)."""
    font_id = 3
    page_ids = []
    next_id = 4
    page_objects: list[tuple[int, bytes]] = []
    for lines in pages:
        page_id, content_id = next_id, next_id + 1
        next_id += 2
        page_ids.append(page_id)
        body = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            body.append(f"({_escape(line)}) Tj T*")
        body.append("ET")
        stream = "\n".join(body).encode("latin-1")
        page_objects.append(
            (
                page_id,
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R"
                f" /Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode(),
            )
        )
        page_objects.append(
            (content_id, b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        )
    info_id = next_id
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects_by_id = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        info_id: f"<< /Title ({_escape(title)}) /Producer (regwatch tests) >>".encode(),
    }
    objects_by_id.update(dict(page_objects))
    return assemble(objects_by_id, b" /Info %d 0 R" % info_id)


def make_flate_bomb(pages: int = 3, inflated: int = 200 * 1024 * 1024) -> bytes:
    """A PDF whose page content streams are small FlateDecode streams that each inflate to
    `inflated` bytes (whitespace: valid content, so a reader decompresses all of it)."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    stream = b"".join(compressor.compress(chunk) for _ in range(inflated // len(chunk)))
    stream += compressor.flush()
    font_id, next_id = 3, 4
    page_ids = []
    objects_by_id: dict[int, bytes] = {}
    for _ in range(pages):
        page_id, content_id = next_id, next_id + 1
        next_id += 2
        page_ids.append(page_id)
        objects_by_id[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R"
            f" /Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects_by_id[content_id] = (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"
        )
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects_by_id[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects_by_id[2] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    objects_by_id[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return assemble(objects_by_id)


def make_mapped_pdf(lines: list[str], to_unicode: dict[str, str]) -> bytes:
    """A one-page PDF (Helvetica) whose font has a ToUnicode map sending each character of
    `to_unicode` to the UTF-16 code units given in hex (`{"B": "D800"}`: half a pair, as a
    broken or hostile PDF maps a glyph), so a reader's text holds what the map says."""
    entries = b" ".join(b"<%02X> <%s>" % (ord(k), v.encode()) for k, v in to_unicode.items())
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Mapped def"
        b" 1 begincodespacerange <00> <FF> endcodespacerange"
        b" %d beginbfchar %s endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
        % (len(to_unicode), entries)
    )
    content = (
        b"BT /F1 11 Tf 14 TL 72 760 Td "
        + b" ".join(b"(%s) Tj T*" % _escape(x).encode("latin-1") for x in lines)
        + b" ET"
    )
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>",
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R"
        b" /Resources << /Font << /F1 3 0 R >> >> >>",
        5: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        6: b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    }
    return assemble(objects)
