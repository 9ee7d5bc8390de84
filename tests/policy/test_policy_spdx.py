"""The SPDX normaliser: real licence URL spellings and names, and the licence table."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from tdm_crawler.policy.spdx import (
    LicenseClass,
    known_licenses,
    licence,
    licence_from_text,
    licence_from_url,
)

# Spellings met on real pages (CC chooser output, Wikimedia, Flickr, WordPress themes,
# JSON-LD of news sites, arXiv, Zenodo, Europeana), each with the SPDX id it stands for.
CC_URLS = [
    # CC BY, every version, scheme and host spelling
    ("http://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0", "CC-BY-4.0"),
    ("https://www.creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("http://creativecommons.org:80/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org:443/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/deed.de", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/deed.en", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/deed.zh-hans", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/deed.pt_BR", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/deed", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/legalcode", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/legalcode.de", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/legalcode.txt", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/#deed-understanding", "CC-BY-4.0"),
    ("HTTPS://CreativeCommons.org/Licenses/BY/4.0/", "CC-BY-4.0"),
    ("  <https://creativecommons.org/licenses/by/4.0/>  ", "CC-BY-4.0"),
    ("//creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("http://creativecommons.org/licenses/by/3.0/", "CC-BY-3.0"),
    ("http://creativecommons.org/licenses/by/2.5/", "CC-BY-2.5"),
    ("http://creativecommons.org/licenses/by/2.0/", "CC-BY-2.0"),
    ("http://creativecommons.org/licenses/by/1.0/", "CC-BY-1.0"),
    # jurisdiction ports SPDX has ids for
    ("http://creativecommons.org/licenses/by/3.0/de/", "CC-BY-3.0-DE"),
    ("http://creativecommons.org/licenses/by/3.0/de/deed.de", "CC-BY-3.0-DE"),
    ("http://creativecommons.org/licenses/by/3.0/de/legalcode", "CC-BY-3.0-DE"),
    ("https://creativecommons.org/licenses/by/3.0/igo/", "CC-BY-3.0-IGO"),
    ("https://creativecommons.org/licenses/by/3.0/us/", "CC-BY-3.0-US"),
    ("https://creativecommons.org/licenses/by/3.0/nl/deed.nl", "CC-BY-3.0-NL"),
    ("https://creativecommons.org/licenses/by/2.5/au/", "CC-BY-2.5-AU"),
    ("https://creativecommons.org/licenses/by-sa/2.0/uk/", "CC-BY-SA-2.0-UK"),
    ("https://creativecommons.org/licenses/by-sa/2.1/jp/", "CC-BY-SA-2.1-JP"),
    ("http://creativecommons.org/licenses/by-sa/3.0/de/", "CC-BY-SA-3.0-DE"),
    ("http://creativecommons.org/licenses/by-nc-sa/2.0/fr/", "CC-BY-NC-SA-2.0-FR"),
    ("http://creativecommons.org/licenses/by-nc-nd/3.0/de/", "CC-BY-NC-ND-3.0-DE"),
    ("http://creativecommons.org/licenses/by-nd/3.0/de/", "CC-BY-ND-3.0-DE"),
    # ports SPDX has no id for: ours, with the family's class
    ("http://creativecommons.org/licenses/by-sa/3.0/fr/deed.fr", "LicenseRef-CC-BY-SA-3.0-FR"),
    ("http://creativecommons.org/licenses/by-nc/2.5/es/", "LicenseRef-CC-BY-NC-2.5-ES"),
    ("http://creativecommons.org/licenses/by/2.5/scotland/", "LicenseRef-CC-BY-2.5-SCOTLAND"),
    # BY-SA
    ("https://creativecommons.org/licenses/by-sa/4.0/", "CC-BY-SA-4.0"),
    ("https://creativecommons.org/licenses/by-sa/4.0/deed.fr", "CC-BY-SA-4.0"),
    ("http://creativecommons.org/licenses/by-sa/3.0/", "CC-BY-SA-3.0"),
    ("http://creativecommons.org/licenses/by-sa/3.0/legalcode", "CC-BY-SA-3.0"),
    ("http://creativecommons.org/licenses/by-sa/2.5/", "CC-BY-SA-2.5"),
    ("http://creativecommons.org/licenses/by-sa/2.0", "CC-BY-SA-2.0"),
    # BY-NC, BY-ND, BY-NC-SA, BY-NC-ND
    ("https://creativecommons.org/licenses/by-nc/4.0/", "CC-BY-NC-4.0"),
    ("https://creativecommons.org/licenses/by-nc/4.0/legalcode.es", "CC-BY-NC-4.0"),
    ("http://creativecommons.org/licenses/by-nc/3.0/", "CC-BY-NC-3.0"),
    ("http://creativecommons.org/licenses/by-nc/2.0/", "CC-BY-NC-2.0"),
    ("https://creativecommons.org/licenses/by-nd/4.0/", "CC-BY-ND-4.0"),
    ("http://creativecommons.org/licenses/by-nd/2.5/deed.it", "CC-BY-ND-2.5"),
    ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "CC-BY-NC-SA-4.0"),
    ("https://creativecommons.org/licenses/by-nc-sa/4.0/deed.de", "CC-BY-NC-SA-4.0"),
    ("http://creativecommons.org/licenses/by-nc-sa/3.0/", "CC-BY-NC-SA-3.0"),
    ("http://creativecommons.org/licenses/by-nc-sa/2.5/", "CC-BY-NC-SA-2.5"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/", "CC-BY-NC-ND-4.0"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", "CC-BY-NC-ND-4.0"),
    ("http://creativecommons.org/licenses/by-nc-nd/3.0/", "CC-BY-NC-ND-3.0"),
    ("http://creativecommons.org/licenses/by-nc-nd/2.5/", "CC-BY-NC-ND-2.5"),
    ("http://creativecommons.org/licenses/by-nd-nc/1.0/", "CC-BY-NC-ND-1.0"),
    # CC0, the Public Domain Mark, the old public-domain certification
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/deed.de", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/legalcode.txt", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/mark/1.0/", "LicenseRef-PDM"),
    ("http://creativecommons.org/publicdomain/mark/1.0/deed.fr", "LicenseRef-PDM"),
    ("http://creativecommons.org/licenses/publicdomain/", "CC-PDDC"),
]


@pytest.mark.parametrize(("url", "expected"), CC_URLS)
def test_creative_commons_spellings(url: str, expected: str) -> None:
    found = licence_from_url(url)
    assert found is not None, url
    assert found.id == expected


def test_the_table_has_forty_real_spellings_or_more() -> None:
    assert len(CC_URLS) >= 40
    assert len({expected for _, expected in CC_URLS}) >= 30


@pytest.mark.parametrize(
    ("spdx_id", "license_class", "share_alike"),
    [
        ("CC-BY-4.0", LicenseClass.OPEN, False),
        ("CC-BY-SA-3.0", LicenseClass.OPEN, True),
        ("CC-BY-NC-4.0", LicenseClass.RESTRICTED, False),
        ("CC-BY-ND-4.0", LicenseClass.RESTRICTED, False),
        ("CC-BY-NC-SA-4.0", LicenseClass.RESTRICTED, True),
        ("CC-BY-NC-ND-3.0-IGO", LicenseClass.RESTRICTED, False),
        ("CC0-1.0", LicenseClass.PUBLIC_DOMAIN, False),
        ("LicenseRef-PDM", LicenseClass.PUBLIC_DOMAIN, False),
        ("PDDL-1.0", LicenseClass.PUBLIC_DOMAIN, False),
        ("ODC-By-1.0", LicenseClass.OPEN, False),
        ("ODbL-1.0", LicenseClass.OPEN, True),
        ("GFDL-1.3-or-later", LicenseClass.OPEN, True),
        ("MIT", LicenseClass.OPEN, False),
        ("LicenseRef-CC-BY-SA-3.0-FR", LicenseClass.OPEN, True),
        ("LicenseRef-CC-BY-NC-2.5-ES", LicenseClass.RESTRICTED, False),
        ("LicenseRef-CC-BY-ND", LicenseClass.RESTRICTED, False),
    ],
)
def test_classes(spdx_id: str, license_class: LicenseClass, share_alike: bool) -> None:
    entry = licence(spdx_id)
    assert entry is not None
    assert (entry.license_class, entry.share_alike) == (license_class, share_alike)
    attribution = license_class is not LicenseClass.PUBLIC_DOMAIN
    assert entry.attribution is attribution


def test_generated_ids_round_trip() -> None:
    port = licence_from_url("https://creativecommons.org/licenses/by-nc-sa/2.5/it/")
    assert port is not None
    assert port.id == "LicenseRef-CC-BY-NC-SA-2.5-IT"
    assert port.url == "https://creativecommons.org/licenses/by-nc-sa/2.5/it/"
    assert licence(port.id) == port
    assert licence("LicenseRef-CC-FOO-4.0") is None
    assert licence("LicenseRef-CC-BY-9.9-FR") is None
    assert licence("LicenseRef-unknown") is None


GNU_AND_OTHERS = [
    ("https://www.gnu.org/licenses/fdl-1.3.html", "GFDL-1.3-only"),
    ("http://www.gnu.org/licenses/fdl-1.3.html", "GFDL-1.3-only"),
    ("https://www.gnu.org/licenses/fdl-1.3.en.html", "GFDL-1.3-only"),
    ("https://www.gnu.org/licenses/fdl-1.3.txt", "GFDL-1.3-only"),
    ("https://www.gnu.org/licenses/fdl-1.3-standalone.html", "GFDL-1.3-only"),
    ("https://www.gnu.org/licenses/old-licenses/fdl-1.2.html", "GFDL-1.2-only"),
    ("https://www.gnu.org/licenses/old-licenses/fdl-1.2.de.html", "GFDL-1.2-only"),
    ("https://www.gnu.org/licenses/old-licenses/fdl-1.1.html", "GFDL-1.1-only"),
    ("https://www.gnu.org/licenses/fdl.html", "GFDL-1.3-or-later"),
    ("http://www.gnu.org/copyleft/fdl.html", "GFDL-1.3-or-later"),
    ("https://gnu.org/licenses/fdl", "GFDL-1.3-or-later"),
    ("https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only"),
    ("https://www.gnu.org/licenses/gpl.html", "GPL-3.0-or-later"),
    ("https://www.gnu.org/licenses/old-licenses/gpl-2.0.html", "GPL-2.0-only"),
    ("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html", "LGPL-2.1-only"),
    ("https://www.gnu.org/licenses/agpl-3.0.html", "AGPL-3.0-only"),
    ("https://opensource.org/licenses/MIT", "MIT"),
    ("https://opensource.org/license/mit/", "MIT"),
    ("https://opensource.org/licenses/BSD-3-Clause", "BSD-3-Clause"),
    ("https://opensource.org/licenses/Apache-2.0", "Apache-2.0"),
    ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
    ("https://www.apache.org/licenses/LICENSE-2.0.html", "Apache-2.0"),
    ("https://spdx.org/licenses/CC-BY-SA-4.0.html", "CC-BY-SA-4.0"),
    ("https://spdx.org/licenses/GFDL-1.3-or-later.html", "GFDL-1.3-or-later"),
    ("https://opendatacommons.org/licenses/by/1-0/", "ODC-By-1.0"),
    ("https://opendatacommons.org/licenses/by/", "ODC-By-1.0"),
    ("http://opendatacommons.org/licenses/odbl/1.0/", "ODbL-1.0"),
    ("https://opendatacommons.org/licenses/odbl/summary/", "ODbL-1.0"),
    ("https://opendatacommons.org/licenses/pddl/1-0/", "PDDL-1.0"),
    ("https://unlicense.org/", "Unlicense"),
    ("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", "OGL-UK-3.0"),
    ("https://artlibre.org/licence/lal/en/", "LAL-1.3"),
]


@pytest.mark.parametrize(("url", "expected"), GNU_AND_OTHERS)
def test_gnu_and_other_licence_urls(url: str, expected: str) -> None:
    found = licence_from_url(url)
    assert found is not None, url
    assert found.id == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/license",
        "https://example.org/licenses/by/4.0/",  # a CC-looking path on another host
        "https://creativecommons.org/licenses/by/5.0/",  # no such version
        "https://creativecommons.org/licenses/by/4.0/de/",  # 4.0 has no ports
        "https://creativecommons.org/licenses/by/2.1/",  # 2.1 exists only as ports
        "https://creativecommons.org/licenses/nc-sa/1.0/",  # a 1.0 family without BY
        "https://creativecommons.org/licenses/",
        "https://creativecommons.org/",
        "https://i.creativecommons.org/l/by/4.0/88x31.png",  # the badge, not the licence
        "https://www.gnu.org/licenses/gpl-faq.html",
        "https://www.gnu.org/licenses/fdl-9.9.html",
        "https://opensource.org/licenses/NoSuchLicense",
        "mailto:licensing@example.org",
        "ftp://creativecommons.org/licenses/by/4.0/",
        "javascript:void(0)",
        "http://[::1",  # not parsable
        "",
        "   ",
    ],
)
def test_unknown_urls_are_not_guessed(url: str) -> None:
    assert licence_from_url(url) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("cc-by-nc-nd-4.0", "CC-BY-NC-ND-4.0"),
        ("CC BY 4.0 International", "CC-BY-4.0"),
        ("CC BY-NC-SA 3.0", "CC-BY-NC-SA-3.0"),
        ("CC0", "CC0-1.0"),
        ("CC0 1.0 Universal", "CC0-1.0"),
        ("Creative Commons Attribution 4.0 International License", "CC-BY-4.0"),
        ("Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
        ("Creative Commons Attribution-NonCommercial-NoDerivs 3.0 Unported", "CC-BY-NC-ND-3.0"),
        ("Public Domain Mark 1.0", "LicenseRef-PDM"),
        ("Public Domain", "LicenseRef-Public-Domain"),
        ("GFDL", "GFDL-1.3-or-later"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("GFDL-1.2-or-later", "GFDL-1.2-or-later"),
        ("GNU Free Documentation License", "GFDL-1.3-or-later"),
        ("GNU Free Documentation License, Version 1.3 or any later version", "GFDL-1.3-or-later"),
        ("GPLv3", "GPL-3.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("MIT License", "MIT"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("ODbL", "ODbL-1.0"),
        ("Open Government Licence", "OGL-UK-3.0"),
        ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("creativecommons.org/licenses/by-sa/3.0/de/", "CC-BY-SA-3.0-DE"),
        # inside a sentence, as dc:rights and captions write them
        ("© 2020 Jane Roe. Licensed under CC BY-NC 4.0.", "CC-BY-NC-4.0"),
        (
            "This work is licensed under a Creative Commons Attribution-ShareAlike 4.0 "
            "International License.",
            "CC-BY-SA-4.0",
        ),
        ("Photo: J. Roe (CC BY-SA 2.0)", "CC-BY-SA-2.0"),
        ("See https://creativecommons.org/licenses/by/3.0/us/ for the terms.", "CC-BY-3.0-US"),
        ("Text available under CC BY-SA", "LicenseRef-CC-BY-SA"),
        ("Published under the Creative Commons Attribution licence", "LicenseRef-CC-BY"),
        ("Dedicated to the public domain (CC0).", "CC0-1.0"),
    ],
)
def test_names_written_as_text(text: str, expected: str) -> None:
    found = licence_from_text(text)
    assert found is not None, text
    assert found.id == expected


@pytest.mark.parametrize(
    "text",
    [
        "All rights reserved",
        "© 2024 Acme Inc.",
        "Copyright Jane Roe, 2019",
        "https://example.org/terms",
        "see our licensing page",
        "accredited by the board",  # "cc" inside a word
        "",
    ],
)
def test_text_naming_no_licence(text: str) -> None:
    assert licence_from_text(text) is None


def test_every_table_url_names_its_entry() -> None:
    """Each entry's own URL leads back to it (``-only`` and ``-or-later`` share one)."""
    for entry in known_licenses().values():
        if entry.url is None:
            continue
        found = licence_from_url(entry.url)
        assert found is not None, entry.url
        assert found.id == entry.id or found.id == entry.id.replace("-or-later", "-only")


def test_every_id_and_name_is_read_back_as_text() -> None:
    for entry in known_licenses().values():
        found_id, found_name = licence_from_text(entry.id), licence_from_text(entry.name)
        assert found_id is not None and found_id.id == entry.id
        assert found_name is not None and found_name.id == entry.id


def test_the_data_file_is_well_formed() -> None:
    raw = resources.files("tdm_crawler.policy.data").joinpath("licenses.json").read_text()
    entries = json.loads(raw)
    keys = {"id", "name", "url", "class", "attribution", "share_alike"}
    assert all(keys <= set(entry) <= keys | {"aliases"} for entry in entries)
    assert len({entry["id"] for entry in entries}) == len(entries)
    assert {entry["class"] for entry in entries} == {"open", "restricted", "public-domain"}
