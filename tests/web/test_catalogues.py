"""Every string a page shows is in each catalogue, translated, with the same placeholders; none is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.policy import Role
from mitra.web import i18n
from mitra.web.formatting import LANGUAGES
from tests.conftest import Person, add_person
from tests.support.browser import needs_chromium
from tests.support.web import bearer, log_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != "en"]
INDICATOR = {
    "type": "indicator",
    "name": "Phishing kit host",
    "pattern": "[domain-name:value = 'kit.example.org']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T00:00:00Z",
}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code and templates mark for translation today (pybabel's own extraction)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_translates_every_marked_string_and_keeps_none_that_is_gone(
    extracted: Catalog, language: str
) -> None:
    with i18n.catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=LANGUAGES[language])
    wanted = {m.id for m in extracted if m.id}
    held = {m.id for m in catalogue if m.id}
    missing = sorted(map(str, wanted - held))
    stale = sorted(map(str, held - wanted))
    untranslated = sorted(str(m.id) for m in catalogue if m.id and (not m.string or m.fuzzy))
    assert not missing, f"{language}: not in the catalogue (run `make catalogues`, then translate): {missing[:20]}"
    assert not stale, f"{language}: no longer on any page (run `make catalogues`): {stale[:20]}"
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated[:20]}"
    problems = [(str(m.id), [str(e) for e in errors]) for m, errors in catalogue.check() if errors]
    assert not problems, f"{language}: placeholders differ: {problems[:10]}"


def test_a_person_reads_the_pages_in_the_language_they_choose(client: TestClient, people: dict[str, Person]) -> None:
    assert "Log masuk" in client.get("/login", headers={"Accept-Language": "ms-MY,ms;q=0.9"}).text
    client.get("/language/hi?next=/login")  # the login page's own language link sets the cookie
    assert "लॉग इन" in client.get("/login").text
    client.cookies.clear()
    csrf = log_in(client, people["analyst"])
    assert "All objects" in client.get("/").text
    saved = client.post("/account", data={"language": "ms", "csrf_token": csrf})
    assert saved.status_code == 200
    home = client.get("/").text
    assert "Semua objek" in home
    assert '<html lang="ms">' in home
    wrong = client.post("/account", data={"language": "xx", "csrf_token": csrf})
    assert wrong.status_code == 422
    assert "xx" in wrong.text


# Words each page shows in English, and what it says in their place in each language: a page that forgets to
# translate still shows the English and fails.
PAGES_IN_OTHER_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "/": {
        "ms": {"Received from partners": "Diterima daripada rakan kongsi", "objects you may see": "objek yang boleh"},
        "hi": {"Received from partners": "साझेदारों से प्राप्त", "objects you may see": "वस्तुएँ जिन्हें आप देख"},
    },
    "/objects": {
        "ms": {"Releasable to": "Boleh dilepaskan kepada", ">Originator<": ">Pemula<", ">Modified<": ">Diubah<"},
        "hi": {"Releasable to": "रिलीज़ योग्य", ">Originator<": ">प्रवर्तक<", ">Modified<": ">संशोधित<"},
    },
    "/objects/{id}": {
        "ms": {">Handling<": ">Pengendalian<", ">Provenance<": ">Asal usul<", ">Versions<": ">Versi<"},
        "hi": {">Handling<": ">प्रबंधन<", ">Provenance<": ">उद्गम<", ">Versions<": ">संस्करण<"},
    },
    "/releases": {
        "ms": {"Release requests": "Permohonan pelepasan", "Waiting for me": "Menunggu saya"},
        "hi": {"Release requests": "रिलीज़ अनुरोध", "Waiting for me": "मेरी प्रतीक्षा में"},
    },
    "/exchange": {
        "ms": {
            "Exchange with partners": "Pertukaran dengan rakan kongsi",
            "What this node releases to each": "Apa yang dilepaskan oleh nod ini",
        },
        "hi": {
            "Exchange with partners": "साझेदारों के साथ आदान-प्रदान",
            "What this node releases to each": "यह नोड प्रत्येक साझेदार को",
        },
    },
    "/audit": {
        "ms": {
            "Audit chain": "Rantaian audit",
            "Everyone": "Semua orang",
            "Download CSV": "Muat turun CSV",
            ">Signed in<": ">Log masuk<",
        },
        "hi": {
            "Audit chain": "ऑडिट शृंखला",
            "Everyone": "सभी",
            "Download CSV": "CSV डाउनलोड करें",
            ">Signed in<": ">साइन इन किया<",
        },
    },
    "/dialogue/": {
        "ms": {
            "Commitments by area and status": "Komitmen mengikut bidang dan status",
            ">Dashboard<": ">Papan pemuka<",
        },
        "hi": {"Commitments by area and status": "क्षेत्र और स्थिति के अनुसार प्रतिबद्धताएँ", ">Dashboard<": ">डैशबोर्ड<"},
    },
    "/intel/": {
        "ms": {"Search all intelligence": "Cari semua perisikan", "<h1>Intelligence</h1>": "<h1>Perisikan</h1>"},
        "hi": {"Search all intelligence": "सभी आसूचना खोजें", "<h1>Intelligence</h1>": "<h1>आसूचना</h1>"},
    },
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_page_of_the_first_batch_speaks_the_chosen_language_and_no_english_is_left_of_its_words(
    client: TestClient, web_node: Node, language: str
) -> None:
    person = add_person(web_node, "polyglot", {Role.ANALYST, Role.ADMIN}, agency="NSCS")
    made = client.post(
        "/api/v1/objects",
        headers=bearer(person),
        json={"object": INDICATOR, "handling": {"tlp": "green"}},
    )
    assert made.status_code == 201, made.text
    csrf = log_in(client, person)
    english = {path: client.get(path.format(id=made.json()["id"])).text for path in PAGES_IN_OTHER_WORDS}
    for path, words in PAGES_IN_OTHER_WORDS.items():  # the words are the page's, in English, before the choice
        assert all(word in english[path] for word in words[language]), path
    assert client.post("/account", data={"language": language, "csrf_token": csrf}).status_code == 200
    for path, words in PAGES_IN_OTHER_WORDS.items():
        page = client.get(path.format(id=made.json()["id"]))
        assert page.status_code == 200, (path, page.text[:300])
        left = [word for word in words[language] if word in page.text]
        missing = [said for said in words[language].values() if said not in page.text]
        assert not left, f"{path} in {language} still says {left}"
        assert not missing, f"{path} in {language} does not say {missing}"


def test_what_a_page_says_after_an_act_and_beside_a_wrong_field_is_in_the_chosen_language(
    client: TestClient, web_node: Node
) -> None:
    person = add_person(web_node, "pemula", {Role.ANALYST}, agency="NSCS")
    made = client.post(
        "/api/v1/objects", headers=bearer(person), json={"object": INDICATOR, "handling": {"tlp": "green"}}
    )
    assert made.status_code == 201, made.text
    csrf = log_in(client, person)
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    revoke = f"/objects/{made.json()['id']}/revoke"
    unticked = client.post(revoke, data={"reason": "salah taip", "csrf_token": csrf})
    assert unticked.status_code == 422
    assert "tidak ditandakan; tandakan untuk mengesahkan pembatalan" in unticked.text
    assert "is not ticked" not in unticked.text
    assert "Tiada apa-apa diubah: lihat borang pembatalan di bawah." in unticked.text
    done = client.post(revoke, data={"reason": "salah taip", "confirm": "on", "csrf_token": csrf})
    assert done.status_code == 200
    assert "Dibatalkan. Rakan kongsi yang menyimpannya melaksanakan pembatalan" in done.text
    assert "Partners that hold it" not in done.text


# The second batch: the maritime, defence and economy pillars, the inbox and the person's own settings.
PAGES_OF_THE_SECOND_BATCH: dict[str, dict[str, dict[str, str]]] = {
    "/maritime/": {
        "ms": {
            "Shared maritime picture": "Gambaran maritim dikongsi",
            "Find a vessel (name or MMSI)": "Cari kapal (nama atau MMSI)",
        },
        "hi": {"Shared maritime picture": "साझा समुद्री चित्र", "Find a vessel (name or MMSI)": "पोत खोजें (नाम या MMSI)"},
    },
    "/maritime/incidents": {
        "ms": {"Report an incident": "Laporkan insiden", ">Severity<": ">Keterukan<"}
        | {"Latitude (degrees, south negative)": "Latitud (darjah, selatan negatif)"},
        "hi": {"Report an incident": "घटना की रिपोर्ट करें", ">Severity<": ">गंभीरता<"}
        | {"Latitude (degrees, south negative)": "अक्षांश (डिग्री, दक्षिण ऋणात्मक)"},
    },
    "/defence/": {
        "ms": {"Exercise calendar": "Kalendar latihan", "Search organisations": "Cari organisasi"},
        "hi": {"Exercise calendar": "अभ्यास कैलेंडर", "Search organisations": "संगठन खोजें"},
    },
    "/defence/transfers": {
        "ms": {
            "Weapon type": "Jenis senjata",
            ">Recipient<": ">Penerima<",
            "Year of order, oldest first": "Tahun pesanan",
        },
        "hi": {
            "Weapon type": "हथियार का प्रकार",
            ">Recipient<": ">प्राप्तकर्ता<",
            "Year of order, oldest first": "ऑर्डर वर्ष",
        },
    },
    "/economy/": {
        "ms": {
            "<h1>India–Malaysia trade<": "<h1>Perdagangan India–Malaysia<",
            "Trade over time": "Perdagangan dari semasa",
        },
        "hi": {"<h1>India–Malaysia trade<": "<h1>भारत–मलेशिया व्यापार<", "Trade over time": "समय के साथ व्यापार"},
    },
    "/inbox": {
        "ms": {"Choose what you are told": "Pilih apa yang dimaklumkan", "Read and unread": "Dibaca dan belum dibaca"},
        "hi": {"Choose what you are told": "चुनें कि आपको किसकी सूचना मिले", "Read and unread": "पढ़े और अनपढ़े"},
    },
    "/inbox/settings": {
        "ms": {"E-mail address for notices": "Alamat e-mel untuk notis", ">Kind of notice<": ">Jenis notis<"}
        | {"Received from a partner: by e-mail": "Diterima daripada rakan kongsi: melalui e-mel"},
        "hi": {"E-mail address for notices": "सूचनाओं के लिए ई-मेल पता", ">Kind of notice<": ">सूचना का प्रकार<"}
        | {"Received from a partner: by e-mail": "साझेदार से प्राप्त: ई-मेल से"},
    },
    "/account": {  # the header's roles too: one word each
        "ms": {"Your settings": "Tetapan anda", "· admin, analyst<": "· pentadbir, penganalisis<"},
        "hi": {"Your settings": "आपकी सेटिंग्स", "· admin, analyst<": "· व्यवस्थापक, विश्लेषक<"},
    },
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_page_of_the_second_batch_speaks_the_chosen_language_and_no_english_is_left_of_its_words(
    client: TestClient, web_node: Node, language: str
) -> None:
    person = add_person(web_node, "polyglot", {Role.ANALYST, Role.ADMIN}, agency="NSCS")
    csrf = log_in(client, person)
    english = {path: client.get(path).text for path in PAGES_OF_THE_SECOND_BATCH}
    for path, words in PAGES_OF_THE_SECOND_BATCH.items():  # the words are the page's, in English, before the choice
        assert all(word in english[path] for word in words[language]), (path, english[path][:300])
    saved = client.post("/account", data={"language": language, "csrf_token": csrf})
    assert {"ms": "Disimpan.", "hi": "सहेजा गया।"}[language] in saved.text  # said in the language just chosen
    for path, words in PAGES_OF_THE_SECOND_BATCH.items():
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        left = [word for word in words[language] if word in page.text]
        missing = [said for said in words[language].values() if said not in page.text]
        assert not left, f"{path} in {language} still says {left}"
        assert not missing, f"{path} in {language} does not say {missing}"


def test_the_maritime_maps_words_reach_it_translated_and_a_wrong_filter_is_said_in_the_chosen_language(
    client: TestClient, web_node: Node
) -> None:
    import json
    import re

    person = add_person(web_node, "pelaut", {Role.ANALYST}, agency="MMEA")
    csrf = log_in(client, person)
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    page = client.get("/maritime/").text
    blob = re.search(r'<script type="application/json" id="map-words">(.*?)</script>', page, re.S)
    assert blob is not None
    words = json.loads(blob.group(1))
    assert words["Picture as of {time} — {basis} ({age})"] == "Gambaran setakat {time} — {basis} ({age})"
    assert words["Last fix"] == "Kedudukan terakhir"
    assert all(said for said in words.values())
    wrong = client.get("/maritime/incidents?since=semalam")
    assert wrong.status_code == 422
    assert "“semalam” bukan tarikh: berikan hari seperti 2022-05-20" in wrong.text
    assert "is not a date" not in wrong.text
    missing = client.get("/maritime/incidents/incident--00000000-0000-4000-8000-000000000000")
    assert "<h1>Tidak dijumpai</h1>" in missing.text  # the error page's title in the person's language


def test_a_notice_email_is_worded_in_its_recipients_language(web_node: Node) -> None:
    from sqlalchemy import select

    from mitra.core.identity import User
    from mitra.core.notices import Notice, post
    from mitra.notify.compose import compose

    add_person(web_node, "penerima", {Role.ANALYST}, agency="NSCS")
    add_person(web_node, "recipient", {Role.ANALYST}, agency="NSCS")
    with web_node.db.write() as session:
        user = session.scalar(select(User).where(User.username == "penerima"))
        assert user is not None
        user.language = "ms"
        post(session, kind="overdue", recipients=["penerima", "recipient"], object_id=None, subject="C-1", link="/x")
    with web_node.db.read() as session:
        said = {
            n.username: composed.text
            for n in session.scalars(select(Notice))
            if (composed := compose(session, web_node.store, n, link_base="https://mitra.example")) is not None
        }
    assert "Peti masuk anda: https://mitra.example/inbox" in said["penerima"]
    assert "Bukanya: https://mitra.example/x" in said["penerima"]
    assert "Your inbox" not in said["penerima"]
    assert "Your inbox: https://mitra.example/inbox" in said["recipient"]  # no language chosen: English


@needs_chromium[0]  # browser
@needs_chromium[1]  # skipped where Debian's chromium is missing
def test_the_map_says_the_pictures_time_and_its_vessel_panel_in_malay_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from mitra.bootstrap import open_node
    from mitra.core.identity import User
    from tests.conftest import make_settings
    from tests.pillars.maritime.picture_data import write_vessels
    from tests.support.browser import chromium, sign_in
    from tests.support.live import LiveServer

    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    write_vessels(node)
    person = add_person(node, "pelayar", {Role.VIEWER}, agency="MMEA")
    with node.db.write() as session:
        user = session.scalar(select(User).where(User.username == person.username))
        assert user is not None
        user.language = "ms"
    try:
        with LiveServer(node) as server, chromium() as browser:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{server.url}/login?next=/maritime/")
            sign_in(page, person.username, person.password)
            expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=20_000)
            expect(page.locator("#picture-as-of")).to_contain_text(
                "Gambaran setakat 2 Mac 2024, 10:02 UTC — kedudukan terbaharu yang dipegang"
            )
            expect(page.locator("#picture-status")).to_contain_text("3 kapal")
            page.locator(".vessel-marker").first.dispatch_event("click")
            expect(page.locator("#map")).to_have_attribute("data-panel", "open", timeout=10_000)
            expect(page.locator("#vessel-panel")).to_contain_text("Kedudukan terakhir")
            expect(page.locator("#vessel-panel")).to_contain_text("sebelum masa gambaran")
            assert "Picture as of" not in page.locator("#picture-as-of").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        node.close()


def test_every_word_the_map_script_says_is_in_the_pages_words_so_the_catalogues_hold_it() -> None:
    import re

    root = Path(__file__).resolve().parents[2] / "src" / "mitra"
    script = (root / "web" / "static" / "maritime" / "map.js").read_text(encoding="utf-8")
    page = (root / "pillars" / "maritime" / "templates" / "maritime" / "picture.html").read_text(encoding="utf-8")
    said = set(re.findall(r'\bt\("((?:[^"\\]|\\.)*)"', script))
    listed = set(re.findall(r'^\s*"((?:[^"\\]|\\.)*)": _\("\1"\)', page, re.M))
    assert len(said) > 50
    assert sorted(said - listed) == []
