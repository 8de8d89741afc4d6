"""Risk registers, codes, scan page calls and records through the HTTP API on 127.0.0.1."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

from minqian.enterprises import Enterprise
from tests.api.conftest import TEST_ENTERPRISE
from tests.conftest import needs_shared
from tests.qr import decode_qr

pytestmark = needs_shared
EID = TEST_ENTERPRISE.id
NEIGHBOUR = Enterprise("E-TEST-2", "测试邻厂有限公司（测试）", "工贸", "轻工", "3505", "350583", synthetic=True)


@pytest.fixture(scope="module")
def api(live_api):  # type: ignore[no-untyped-def]
    """The live API with a register confirmed for the test enterprise, and keys of every kind."""
    app, store = live_api.app, live_api.app.state.key_store
    app.state.risk.codes.public_url = live_api.url  # scan URLs point at this server
    app.state.risk.enterprises.add(NEIGHBOUR)
    keys = dict(live_api.keys)
    keys["neighbour"] = store.create("enterprise", "邻厂", NEIGHBOUR.id)[1]
    keys["county"] = store.create("inspector", "南安市局", region="350583")[1]
    keys["elsewhere"] = store.create("inspector", "福清市局", region="350181")[1]
    with httpx.Client(base_url=live_api.url, timeout=30) as client:
        yield client, keys, _confirm(client, keys)


def _confirm(client: httpx.Client, keys: dict[str, str]) -> dict:  # type: ignore[type-arg]
    response = client.post(f"/v1/enterprises/{EID}/risk-register", headers=_auth(keys["enterprise"]), json={
        "people": 30, "entries": [
            {"point": "RS-001-01", "controls_in_place": [1, 2], "responsible": "陈建华"},
            {"point": "RS-001-02", "location": "二号打磨车间", "controls_in_place": [], "responsible": "陈建华"},
            {"point": "RS-006-01", "controls_in_place": list(range(1, 11)), "responsible": "吴磊"},
        ]})  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_confirmed_register_codes_and_qr_images(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, confirmed = api
    assert confirmed["version"] == 1 and len(confirmed["entries"]) == 3
    assert {c["grade"] for c in confirmed["issued"]} <= {"较大", "重大"} and len(confirmed["issued"]) >= 2
    codes = client.get(f"/v1/enterprises/{EID}/risk-codes", headers=_auth(keys["county"])).json()["data"]
    assert {c["id"] for c in codes} == {c["id"] for c in confirmed["issued"]}
    code = codes[0]
    png = client.get(f"/v1/risk-codes/{code['id']}/qr.png", headers=_auth(keys["enterprise"]))
    assert png.headers["content-type"] == "image/png"
    image = cv2.imdecode(np.frombuffer(png.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decode_qr(image) == code["url"]
    svg = client.get(f"/v1/risk-codes/{code['id']}/qr.svg", headers=_auth(keys["enterprise"]))
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    for size in ("a4", "sticker"):
        label = client.get(f"/v1/risk-codes/{code['id']}/label.pdf", params={"size": size},
                           headers=_auth(keys["enterprise"]))  # fmt: skip
        assert label.status_code == 200 and label.content.startswith(b"%PDF")
    bad = client.get(f"/v1/risk-codes/{code['id']}/label.pdf", params={"size": "a5"}, headers=_auth(keys["enterprise"]))
    assert bad.status_code == 400


def test_other_enterprises_and_other_areas_get_403(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, confirmed = api
    code_id = confirmed["issued"][0]["id"]
    for who in ("neighbour", "elsewhere"):
        for path in (f"/v1/enterprises/{EID}/risk-register", f"/v1/enterprises/{EID}/risk-codes",
                     f"/v1/risk-codes/{code_id}", f"/v1/risk-codes/{code_id}/qr.png",
                     f"/v1/enterprises/{EID}/patrols", f"/v1/enterprises/{EID}/hazard-reports"):  # fmt: skip
            response = client.get(path, headers=_auth(keys[who]))
            assert response.status_code == 403, (who, path)
            assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/v1/enterprises", headers=_auth(keys["neighbour"])).json()["data"][0]["id"] == NEIGHBOUR.id
    assert client.get("/v1/risk-codes/RC404", headers=_auth(keys["admin"])).status_code == 404
    assert client.get(f"/v1/enterprises/{EID}/risk-codes").status_code == 401
    county = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "某人"}, headers=_auth(keys["county"]))
    assert county.status_code == 403


def test_scan_check_in_and_hazard_report_round_trip(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, confirmed = api
    owner = _auth(keys["enterprise"])
    token = confirmed["issued"][0]["url"].rsplit("/", 1)[1]
    page = client.get(f"/r/{token}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    shown = client.get(f"/v1/scan/{token}").json()  # no login needed to read
    assert shown["status"] == "有效" and shown["safe_operation"] and shown["accidents"]

    worker = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "王小明"}, headers=owner).json()
    assert worker["token"].startswith("mqw_")
    as_worker = {"X-Worker-Token": worker["token"]}
    assert client.get(f"/v1/scan/{token}/me", headers=as_worker).json()["name"] == "王小明"
    items = [{"item": c, "ok": n != 0} for n, c in enumerate(shown["patrol_checks"])]
    assert client.post(f"/v1/scan/{token}/patrols", json={"items": items}).status_code == 403
    partial = client.post(f"/v1/scan/{token}/patrols", json={"items": items[1:]}, headers=as_worker)
    assert partial.status_code == 400 and "缺少" in partial.json()["error"]["message"]
    typo = client.post(f"/v1/scan/{token}/patrols", json={"items": items, "notes": "x"}, headers=as_worker)
    assert typo.status_code == 400
    checked = client.post(f"/v1/scan/{token}/patrols", json={"items": items, "note": "一处异常"}, headers=as_worker)
    assert checked.status_code == 201 and checked.json()["all_ok"] is False
    patrols = client.get(f"/v1/enterprises/{EID}/patrols", headers=_auth(keys["county"])).json()["data"]
    assert patrols[0]["id"] == checked.json()["id"] and patrols[0]["worker"] == "王小明"

    report = client.post(f"/v1/scan/{token}/hazard-reports", headers=as_worker,
                         json={"description": "除尘器泄爆片被杂物遮挡", "severity": "一般隐患"}).json()  # fmt: skip
    assert report["status"] == "已上报"
    for state in ("整改中", "已整改", "已验收"):
        moved = client.post(f"/v1/hazard-reports/{report['id']}/transition", json={"to": state}, headers=owner)
        assert moved.status_code == 200 and moved.json()["status"] == state
    again = client.post(f"/v1/hazard-reports/{report['id']}/transition", json={"to": "整改中"}, headers=owner)
    assert again.status_code == 409
    listed = client.get(f"/v1/enterprises/{EID}/hazard-reports", headers=owner).json()["data"]
    assert listed[0]["id"] == report["id"] and listed[0]["status"] == "已验收"


def test_a_revoked_code_reads_as_invalid_and_refuses_records(api) -> None:  # type: ignore[no-untyped-def]
    client, keys, confirmed = api
    owner = _auth(keys["enterprise"])
    code = confirmed["issued"][-1]
    token = code["url"].rsplit("/", 1)[1]
    worker = client.post(f"/v1/enterprises/{EID}/workers", json={"name": "李阿梅"}, headers=owner).json()
    assert client.post(f"/v1/risk-codes/{code['id']}/revoke", headers=_auth(keys["neighbour"])).status_code == 403
    assert client.post(f"/v1/risk-codes/{code['id']}/revoke", headers=owner).json()["status"] == "已撤销"
    scanned = client.get(f"/v1/scan/{token}")
    assert scanned.status_code == 410 and scanned.json()["error"]["status"] == "已撤销"
    assert "已失效" in scanned.json()["error"]["message"]
    refused = client.post(f"/v1/scan/{token}/hazard-reports", json={"description": "x"},
                          headers={"X-Worker-Token": worker["token"]})  # fmt: skip
    assert refused.status_code == 409
    assert client.get(f"/v1/scan/{token[:-3]}abc").status_code == 404
