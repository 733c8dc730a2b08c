"""PDFs for the case file: the contact-volume report and the letters, drawn with fpdf2 (pure
Python, no system libraries, well kept; it lays out tables and the simple HTML our letter
templates use). The built-in Helvetica covers Latin-1, so typographic punctuation is folded to
its plain form first."""

from __future__ import annotations

from fpdf import FPDF

from policy_core.volume import VolumeReport

PLAIN = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}
)


def plain(text: str) -> str:
    """Text Helvetica can draw: curly quotes and dashes folded, anything else outside
    Latin-1 replaced by '?'."""
    return text.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(plain(title))
    pdf.set_creator("Contact Gateway")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    return pdf


def _heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, 8, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]]) -> None:
    pdf.set_font("Helvetica", size=8 if len(header) > 8 else 9)
    with pdf.table(text_align="RIGHT", first_row_as_headings=True) as table:
        for cells in [header, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(plain(cell))
    pdf.set_font("Helvetica", size=10)
    pdf.ln(4)


def report_pdf(report: VolumeReport, organisation: str) -> bytes:
    pdf = _document(f"Contact volume report, case {report.case_id}")
    _heading(pdf, f"{organisation}: contact volume report")
    pdf.multi_cell(
        0,
        6,
        plain(
            f"Case {report.case_id}, customer {report.customer_ref}. The 12 months to "
            f"{report.generated_on:%d %B %Y}: {report.totals.total} contacts, "
            f"{report.totals.call_time} on completed calls."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    _heading(pdf, "Contacts per month, by channel", 12)
    channels = list(report.channels)
    rows = [
        [
            row.month,
            *(str(row.channels.get(c, 0)) for c in channels),
            str(row.total),
            row.call_time,
        ]
        for row in (*report.months, report.totals)
    ]
    _table(pdf, ["Month", *channels, "All", "Call time"], rows)
    _heading(pdf, "What the gateway did, by month", 12)
    actions = ["deliver", "redirect", "refuse", "hold"]
    rows = [
        [row.month, *(str(row.actions.get(a, 0)) for a in actions)]
        for row in (*report.months, report.totals)
    ]
    _table(pdf, ["Month", "delivered", "redirected", "refused", "held"], rows)
    kinds = sorted(report.totals.flags)
    _heading(pdf, "Flags raised, by kind and month", 12)
    if kinds:
        rows = [
            [row.month, *(str(row.flags.get(k, 0)) for k in kinds)]
            for row in (*report.months, report.totals)
        ]
        _table(pdf, ["Month", *(k.replace("_", " ") for k in kinds)], rows)
    else:
        pdf.multi_cell(0, 6, "No flags were raised.", new_x="LMARGIN", new_y="NEXT")
    comparison = report.comparison
    if comparison is not None:
        _heading(pdf, "Before and since the restriction", 12)
        rows = []
        for period, rate in (
            (comparison.before, comparison.before_per_30_days),
            (comparison.since, comparison.since_per_30_days),
        ):
            rows.append(
                [
                    period.label,
                    f"{period.starts_on:%d %b %Y} - {period.ends_on:%d %b %Y}",
                    str(period.total),
                    "no data kept" if rate is None else f"{rate:.1f}",
                ]
            )
        _table(pdf, ["Period", "Dates", "Contacts", "Per 30 days"], rows)
    return bytes(pdf.output())


def letter_pdf(title: str, body_html: str) -> bytes:
    """A letter from its HTML body (the subset the templates use: p, h1-h3, strong, ul, li)."""
    pdf = _document(title)
    pdf.set_font("Helvetica", size=11)
    pdf.write_html(plain(body_html))
    return bytes(pdf.output())
