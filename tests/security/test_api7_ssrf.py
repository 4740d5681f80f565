"""API7:2023 Server Side Request Forgery, for k3zones.

k3zones never fetches a URL a user gives it. This proves it two ways:
- Dynamically: a TCP listener on 127.0.0.1 stands in for an internal service. Its URL is
  put everywhere a URL could sneak into what the server reads: a GeoJSON `crs` link and
  zone properties, an ODK instance with an external entity and an external DTD, photo
  names in a submission (XForm media), the EXIF text of photos the real worker processes,
  a decree PDF with a link, a URI open action, a remote go-to with a URL file spec and a
  URI base, the upload's X-Filename, and the notes of reports and decrees. The listener gets no
  connection, not even after the worker has finished every photo.
- Statically: no module of k3zones/, api/ or workers/ imports an HTTP or socket client
  (requests, httpx, urllib.request, http.client, pycurl, aiohttp, urllib3, socket...),
  except the S3 client (boto3/botocore) of k3zones' storage, which talks only to the
  configured storage endpoint, never to a user's URL.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.annotations import Link
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from tests.support.http import demo_password
from tests.support.paths import PHOTOS, ROOT
from tests.support.payloads import odk_instance, report


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(addr)
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    lst = Listener()
    # The listener works: a connection we make ourselves is seen.
    socket.create_connection(("127.0.0.1", lst.port), timeout=2).close()
    end = time.monotonic() + 2
    while not lst.connections and time.monotonic() < end:
        time.sleep(0.02)
    assert lst.connections, "the listener does not see connections"
    lst.connections.clear()
    yield lst
    lst.stop()


def basic(user: str = "demo.petugas") -> dict[str, str]:
    raw = f"{user}:{demo_password(user)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def pdf_pointing_at(url: str) -> bytes:
    """A one-page PDF whose link, open action, remote go-to and file spec name `url`."""
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_annotation(0, Link(rect=(50, 50, 200, 80), url=url + "/link"))
    uri = DictionaryObject(
        {
            NameObject("/S"): NameObject("/URI"),
            NameObject("/URI"): TextStringObject(url + "/open"),
        }
    )
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/FS"): NameObject("/URL"),
            NameObject("/F"): TextStringObject(url + "/remote.pdf"),
        }
    )
    gotor = DictionaryObject(
        {
            NameObject("/S"): NameObject("/GoToR"),
            NameObject("/F"): spec,
            NameObject("/D"): TextStringObject("awal"),
            NameObject("/Next"): uri,
        }
    )
    w._root_object[NameObject("/OpenAction")] = gotor
    w._root_object[NameObject("/URI")] = DictionaryObject(
        {NameObject("/Base"): TextStringObject(url + "/base/")}
    )
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def jpeg_with_exif_url(url: str) -> bytes:
    img = Image.open(PHOTOS / "jpg_gps_DSCN0010.jpg")
    exif = img.getexif()
    exif[0x010F], exif[0x0110] = url + "/make", url + "/model"
    exif[0x010E] = url + "/description"  # ImageDescription
    exif[0x013B] = url + "/artist"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def test_no_user_supplied_url_is_ever_fetched(anon, client, login, worker, listener):
    url = listener.url
    # Zones: a GeoJSON crs link and URLs in the properties (import and single create).
    d = client.post(
        "/api/v1/decrees",
        json={
            "kecamatan": "medansatria",
            "nomor": "300/Kep.88-Kc.Ms.Tib/II/2025",
            "tanggal": "2025-02-03",
            "perihal": f"Lampiran di {url}/sk.pdf",
            "notes": f"lihat {url}/catatan",
        },
    )
    assert d.status_code == 201, d.get_json()
    did = d.get_json()["id"]
    line = {"type": "LineString", "coordinates": [[106.972, -6.175], [106.978, -6.176]]}
    for crs in (
        {"type": "link", "properties": {"href": url + "/crs.proj4", "type": "proj4"}},
        {"type": "name", "properties": {"name": url + "/crs"}},
    ):
        body = {
            "type": "FeatureCollection",
            "crs": crs,
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "nama": f"Jl. Uji {crs['type']}",
                        "kategori": "kuning",
                        "kelurahan": "kalibaru",
                        "sumber": url + "/sumber",
                        "foto": url + "/foto.jpg",
                    },
                    "geometry": line,
                }
            ],
        }
        r = client.post(
            f"/api/v1/decrees/{did}/zones/import",
            data=json.dumps(body),
            content_type="application/geo+json",
        )
        assert r.status_code in (201, 422), r.get_json()
    r = client.post(
        "/api/v1/zones",
        data=json.dumps(
            {
                "type": "Feature",
                "crs": {"type": "link", "properties": {"href": url + "/crs"}},
                "properties": {
                    "decree_id": did,
                    "name": url + "/nama",
                    "kategori": "kuning",
                    "kelurahan": "kalibaru",
                    "notes": url,
                },
                "geometry": line,
            }
        ),
        content_type="application/geo+json",
    )
    assert r.status_code in (201, 422), r.get_json()

    # ODK: an external entity, an external DTD, photo names that are URLs.
    iid = str(uuid.uuid4())
    plain = odk_instance(iid, photos=2).decode()
    for doctype in (
        f'<!DOCTYPE data [<!ENTITY x SYSTEM "{url}/xxe">]>',
        f'<!DOCTYPE data SYSTEM "{url}/evil.dtd">',
        f'<!DOCTYPE data [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>',
    ):
        xml = plain.replace("<?xml version='1.0' ?>", "<?xml version='1.0' ?>" + doctype)
        xml = xml.replace("<notes>Operasi gabungan</notes>", "<notes>&x;</notes>")
        r = anon.post(
            "/openrosa/medansatria/submission",
            data={"xml_submission_file": (io.BytesIO(xml.encode()), "s.xml", "text/xml")},
            headers=basic(),
            content_type="multipart/form-data",
        )
        assert 400 <= r.status_code < 500, r.data
    media = plain.replace("IMG_1.jpg", url + "/IMG_1.jpg").replace("IMG_2.jpg", url + "/IMG_2.jpg")
    media = media.replace("Operasi gabungan", url + "/catatan")
    anon.post(
        "/openrosa/medansatria/submission",
        data={
            "xml_submission_file": (io.BytesIO(media.encode()), "s.xml", "text/xml"),
            url + "/IMG_1.jpg": (io.BytesIO(b"\xff\xd8\xff"), url + "/IMG_1.jpg", "image/jpeg"),
        },
        headers=basic(),
        content_type="multipart/form-data",
    )

    # Reports: URLs in the notes; photos whose EXIF text is URLs, processed by the worker.
    phone = login("demo.petugas")
    body = report(
        notes=url + "/catatan",
        findings=[{"kind": "pkl", "count": 1, "notes": url + "/temuan"}],
        photos_expected=1,
    )
    r = phone.post("/api/v1/reports", json=body)
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    r = phone.put(
        f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
        data=jpeg_with_exif_url(url),
        content_type="image/jpeg",
    )
    assert r.status_code == 201, r.get_json()

    # Decrees: a PDF full of remote references, uploaded under a URL as its name.
    r = client.put(
        f"/api/v1/decrees/{did}/attachment",
        data=pdf_pointing_at(url),
        headers={"Content-Type": "application/pdf", "X-Filename": url + "/sk.pdf"},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["attachment"]["page_count"] == 1
    assert client.get(f"/api/v1/decrees/{did}/attachment").status_code == 200

    # Wait for the worker to have read the photo's EXIF, then for anything late.
    end = time.monotonic() + 60
    while time.monotonic() < end:
        photos = phone.get(f"/api/v1/reports/{rid}").get_json()["photos"]
        if photos and all(p["status"] != "diterima" for p in photos):
            break
        time.sleep(0.3)
    assert photos[0]["status"] == "diproses", photos
    assert photos[0]["exif"]["make"] == url + "/make"  # read as text, not followed
    time.sleep(1.0)
    assert listener.connections == [], listener.connections


# --- static: no HTTP client in the application code -----------------------------------------

FORBIDDEN = (
    "requests",
    "httpx",
    "urllib.request",
    "urllib3",
    "http.client",
    "pycurl",
    "aiohttp",
    "socket",
    "ftplib",
    "smtplib",
    "telnetlib",
    "xmlrpc.client",
    "websocket",
    "websockets",
)
# Module -> what it may import and why.
S3_CLIENT = {"boto3", "botocore"}
ALLOWED = {
    # The S3 backend of storage.Storage: the endpoint comes from settings, never a user.
    # (It lived in storage.py and moves to storage_s3.py; either may hold it.)
    "k3zones/storage.py": S3_CLIENT,
    "k3zones/storage_s3.py": S3_CLIENT,
}
NETWORK_LIBS = (*FORBIDDEN, "boto3", "botocore")


def _imports(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            # importlib.import_module("x") and __import__("x")
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                yield str(node.args[0].value)


def _hits(name: str) -> str | None:
    for lib in NETWORK_LIBS:
        if name == lib or name.startswith(lib + "."):
            return lib
    return None


def test_no_http_client_is_imported_outside_the_allowlist() -> None:
    found: dict[str, set[str]] = {}
    files = [p for d in ("k3zones", "api", "workers") for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 30
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        libs = {lib for name in _imports(ast.parse(path.read_text())) if (lib := _hits(name))}
        extra = libs - ALLOWED.get(rel, set())
        if extra:
            found[rel] = extra
    assert found == {}, f"network clients imported outside the allowlist: {found}"
    # The allowlist is not stale: the S3 client still lives in one of its files.
    holders = [
        rel
        for rel in ALLOWED
        if (ROOT / rel).exists()
        and {_hits(n) for n in _imports(ast.parse((ROOT / rel).read_text()))} >= S3_CLIENT
    ]
    assert holders, "the S3 client moved: update ALLOWED"


def test_the_static_check_catches_each_form_of_import() -> None:
    src = (
        "import requests\nimport urllib.request as u\nfrom http import client\n"
        "from urllib.request import urlopen\nimport importlib\nimportlib.import_module('httpx')\n"
        "__import__('aiohttp')\nfrom urllib.parse import quote\n"
    )
    got = {lib for n in _imports(ast.parse(src)) if (lib := _hits(n))}
    assert got == {"requests", "urllib.request", "http.client", "httpx", "aiohttp"}
