"""Where the repository's data lives, found from this package so the CLI works from any folder."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVIDERS_DIR = REPO_ROOT / "providers"
SCHEMA_PATH = PROVIDERS_DIR / "schema.json"
VOCABULARY_DIR = PROVIDERS_DIR / "vocabulary"
CONTENT_DIR = REPO_ROOT / "content"
