"""Issue 6: schema.org JSON-LD on provider, town and insurance pages, parsed and checked against the records."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE_PROVIDERS, build

BASE = "https://ma-iop-directory.github.io"
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return build(FIXTURE_PROVIDERS, tmp_path_factory.mktemp("sd-pub") / "output", settings="publishconf.py",
                 SITEURL=BASE)


def records():
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(FIXTURE_PROVIDERS.glob("*.yaml"))}


def jsonld(html_path: Path):
    blocks = JSONLD.findall(html_path.read_text(encoding="utf-8"))
    assert len(blocks) == 1, html_path
    return json.loads(blocks[0])


@pytest.mark.parametrize("pid", sorted(p.stem for p in FIXTURE_PROVIDERS.glob("*.yaml")))
def test_provider_page_is_a_medical_clinic_with_its_services(published, pid):
    record = records()[pid]
    data = jsonld(published / "providers" / pid / "index.html")
    page_url = "%s/providers/%s/" % (BASE, pid)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalClinic"
    assert data["name"] == record["name"]
    assert data["url"] == (record.get("website") or page_url)
    assert data["mainEntityOfPage"] == page_url
    if record.get("phone"):
        digits = re.sub(r"\D", "", record["phone"])
        assert data["telephone"] == "+1" + digits[-10:]
    else:
        assert "telephone" not in data
    located = [loc for loc in record.get("locations") or () if loc.get("city") or loc.get("zip")]
    if located:
        address = data["address"] if isinstance(data["address"], list) else [data["address"]]
        assert len(address) == len(located)
        for got, loc in zip(address, located):
            assert got["@type"] == "PostalAddress" and got["addressRegion"] == "MA" and got["addressCountry"] == "US"
            assert got.get("streetAddress") == loc.get("street")
            assert got.get("postalCode") == loc.get("zip")
        assert data["geo"]["@type"] == "GeoCoordinates"
        assert 41 < data["geo"]["latitude"] < 43.5 and -74 < data["geo"]["longitude"] < -69.5
    else:
        assert "address" not in data and "geo" not in data
    services = data.get("availableService", [])
    assert [s["@type"] for s in services] == ["PsychologicalTreatment"] * len(record.get("modalities") or [])
    assert all(s["name"] for s in services)
    if record.get("accepting_new_patients") is None:
        assert "isAcceptingNewPatients" not in data
    else:
        assert data["isAcceptingNewPatients"] is record["accepting_new_patients"]


def test_accepting_new_patients_appears_only_when_known(published):
    with_value = [pid for pid, r in records().items() if r.get("accepting_new_patients") is not None]
    for pid in records():
        data = jsonld(published / "providers" / pid / "index.html")
        assert ("isAcceptingNewPatients" in data) == (pid in with_value)


def test_town_and_insurance_pages_have_item_lists(published):
    town = jsonld(published / "towns" / "worcester" / "index.html")
    assert town["@type"] == "ItemList"
    assert town["url"] == BASE + "/towns/worcester/"
    worcester = [pid for pid, r in records().items()
                 if any(loc.get("city") == "Worcester" for loc in r.get("locations") or ())]
    assert town["numberOfItems"] == len(town["itemListElement"]) >= len(worcester) >= 1
    urls = {item["url"] for item in town["itemListElement"]}
    assert {"%s/providers/%s/" % (BASE, pid) for pid in worcester} <= urls
    assert [item["position"] for item in town["itemListElement"]] == list(range(1, town["numberOfItems"] + 1))
    payer = jsonld(published / "insurance" / "masshealth" / "index.html")
    masshealth = sorted(pid for pid, r in records().items() if "masshealth" in (r.get("insurance") or ()))
    assert payer["@type"] == "ItemList" and payer["numberOfItems"] == len(masshealth)
    assert sorted(item["url"].rsplit("/", 2)[-2] for item in payer["itemListElement"]) == masshealth


def test_provider_text_cannot_close_the_script_element(tmp_path):
    providers = tmp_path / "providers"
    shutil.copytree(FIXTURE_PROVIDERS, providers)
    path = providers / "alpha-worcester.yaml"
    hostile = "Evil </script><script>alert(1)</script> & <b>"
    text = path.read_text(encoding="utf-8").replace("description: Synthetic record used by the tests.",
                                                    "description: %s" % json.dumps(hostile))
    text = text.replace("notes: null", "accepting_new_patients: true\nnotes: null")
    path.write_text(text, encoding="utf-8")
    site = build(providers, tmp_path / "out")
    html = (site / "providers" / "alpha-worcester" / "index.html").read_text(encoding="utf-8")
    block = JSONLD.findall(html)[0]
    assert "</script" not in block and "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["description"] == hostile
    assert "<script>alert(1)" not in html
    assert json.loads(block)["isAcceptingNewPatients"] is True
