"""The interface translations of a language edition, read from theme/translations/<lang>/LC_MESSAGES/messages.po.

The .po catalog is the source: it is compiled in memory, so a build never uses a stale or missing .mo.
"""

import functools
import gettext
import io
from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "theme" / "translations"


@functools.lru_cache(maxsize=8)
def translations_for(lang):
    """Return gettext translations for `lang` (English uses the msgids)."""
    if lang == "en":
        return gettext.NullTranslations()
    po = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.translation("messages", str(TRANSLATIONS_DIR), languages=[lang], fallback=True)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    with open(po, "rb") as handle:
        write_mo(buffer, read_po(handle, locale=lang))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
