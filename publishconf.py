"""Settings for the published site: absolute URLs under SITEURL. Used by `make publish`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: E402,F401,F403

SITEURL = os.environ.get("SITEURL", "https://ma-iop-directory.github.io")
RELATIVE_URLS = False
