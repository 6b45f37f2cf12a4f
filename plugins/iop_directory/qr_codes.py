"""QR codes for printed referral sheets, made offline at build time (segno): a program page's sheet carries the
code of its address on this site, so a patient can reach the current page, where phones and schedules are kept
up to date. (The compare page makes the code of its own address in the browser: its address lists the programs.)
"""

import segno
from markupsafe import Markup


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of `url`: sized by CSS (no width or height of its own), dark modules drawn in black.

    The mask pattern is fixed: choosing the best of eight took 5 ms a code, 6 s of a 400-program build's three
    editions, and any of the eight reads (the tests decode every sheet's code from Chromium's PDF)."""
    code = segno.make(url, error="m", micro=False, mask=0)
    return Markup(code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr-code", lineclass=None,
                                  dark="#000"))
