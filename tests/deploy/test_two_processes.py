"""Two API processes over one PostgreSQL database and one Milvus server.

What is written through one process is served by the other: API keys made
with the CLI, conversations, enterprises, risk codes, patrols and published
coefficients. Everything runs as a user deploys it, one subprocess per
program (docs/deployment.md shows the same commands).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.local_programs import STARTUP_SECONDS, Program, wait_for_port, wait_until_ready
from api.local_server import free_port
from minqian.coefficient.facts import Period
from minqian.sealing import Keyring
from tests.conftest import ROOT, SHARED_LAWS, SMALL_LAWS, needs_shared

pytestmark = needs_shared
PUBLIC_URL = "https://minqian.example.gov.cn"
CODE_SECRET = "deploy-test-code-secret-0123456789"
# Every process must seal with the same keyring, or none can open what another wrote.
DATA_KEYS = Keyring.generate("k1").spec()
EID = "E-DEPLOY-1"
PERIOD = Period.of(datetime.now(UTC).date()).label


@dataclass
class Deployment:
    """Milvus, two API processes and the environment the CLI runs in."""

    a: str
    b: str
    # Kept out of the repr pytest prints on a failure: the whole environment and the keys.
    cli_env: dict[str, str] = field(repr=False)
    programs: list[Program] = field(default_factory=list, repr=False)
    keys: dict[str, str] = field(default_factory=dict, repr=False)

    def logs(self) -> str:
        """Every program's stderr tail, for assertion messages."""
        return "\n".join(p.tail() for p in self.programs)

    def expect(self, response: httpx.Response, status: int) -> Any:
        """The response's JSON, after checking its status (with every log if it is wrong)."""
        request = f"{response.request.method} {response.request.url}"
        assert response.status_code == status, f"{request}: {response.status_code} {response.text}\n{self.logs()}"
        return response.json()

    def cli(self, *args: str) -> str:
        """Run `minqian ARGS` against the shared settings; return its stdout."""
        result = _run_cli(self.cli_env, *args)
        assert result.returncode == 0, f"minqian {' '.join(args)}:\n{result.stderr}\n{self.logs()}"
        return result.stdout


def _run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minqian.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def _shared_env(tmp: Path, embedding_cache: Path, postgres_url: str, milvus_uri: str) -> dict[str, str]:
    corpus = tmp / "laws"
    corpus.mkdir()
    for name in SMALL_LAWS:
        shutil.copyfile(SHARED_LAWS / name, corpus / name)
    return dict(
        os.environ, PYTHONPATH=str(ROOT),
        MINQIAN_LAWS__SELECTION="none", MINQIAN_INGESTION__INCLUDE_PROJECT_CORPUS="false",
        MINQIAN_INGESTION__PROGRESS="false", MINQIAN_CORPUS_PATHS=str(corpus),
        MINQIAN_EMBEDDER__CACHE_PATH=str(embedding_cache),
        # What every process of one deployment must agree on:
        MINQIAN_DATABASE__URL=postgres_url, MINQIAN_VECTOR_STORE__URI=milvus_uri,
        MINQIAN_RISK__CODE_SECRET=CODE_SECRET, MINQIAN_API__PUBLIC_URL=PUBLIC_URL,
        MINQIAN_SECURITY__DATA_KEYS=DATA_KEYS,
        MINQIAN_API__UI_ENABLED="false",
    )  # fmt: skip


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path,
               postgres_url: str) -> Iterator[Deployment]:  # fmt: skip
    """A Milvus server, one ingest, two API processes and an admin key made with the CLI."""
    tmp = tmp_path_factory.mktemp("deploy")
    server_bin = shutil.which("milvus-lite", path=str(Path(sys.executable).parent))
    assert server_bin, "milvus-lite command not installed beside the interpreter"
    milvus_port, port_a, port_b = free_port(), free_port(), free_port()
    env = _shared_env(tmp, embedding_cache, postgres_url, f"http://127.0.0.1:{milvus_port}")
    deploy = Deployment(f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}",
                        dict(env, MINQIAN_DATA_DIR=str(tmp / "cli")))  # fmt: skip
    try:
        milvus = Program("milvus", [server_bin, "server", "--data-dir", str(tmp / "milvus"),
                                   "--host", "127.0.0.1", "--port", str(milvus_port)], env, tmp).start()  # fmt: skip
        deploy.programs.append(milvus)
        wait_for_port(milvus, milvus_port)
        ingested = _run_cli(dict(env, MINQIAN_DATA_DIR=str(tmp / "ingest")), "ingest")
        assert ingested.returncode == 0, f"ingest:\n{ingested.stderr}\n{deploy.logs()}"

        # Both workers and a CLI command start together on a database nobody
        # has set up yet, as they do on a first deployment.
        api_env = {k: v for k, v in env.items() if k != "MINQIAN_EMBEDDER__CACHE_PATH"}
        for name, port in (("api-a", port_a), ("api-b", port_b)):
            command = [sys.executable, "-m", "minqian.cli", "serve", "--port", str(port)]
            program = Program(name, command, dict(api_env, MINQIAN_DATA_DIR=str(tmp / name)), tmp)
            deploy.programs.append(program.start())
        command = [sys.executable, "-m", "minqian.cli", "keys", "create", "--role", "admin", "--name", "部署测试管理员"]
        with subprocess.Popen(command, env=deploy.cli_env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as admin:  # fmt: skip
            try:
                made, failed = admin.communicate(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                admin.kill()
                raise
        assert admin.returncode == 0, f"keys create:\n{failed}\n{deploy.logs()}"
        deploy.keys["admin"] = made.splitlines()[-1]
        for program, url in zip(deploy.programs[1:], (deploy.a, deploy.b), strict=True):
            wait_until_ready(program, url)
        deploy.keys["inspector"] = _make_key(deploy, deploy.a, role="inspector", name="部署测试执法")
        yield deploy
    finally:
        for program in reversed(deploy.programs):
            program.stop()


@pytest.fixture(scope="module")
def enterprise(deployment: Deployment) -> Iterator[tuple[httpx.Client, httpx.Client, dict[str, str]]]:
    """An enterprise registered through A, its key made on B, clients for A and B."""
    with httpx.Client(base_url=deployment.a, timeout=60) as a, httpx.Client(base_url=deployment.b, timeout=60) as b:
        deployment.expect(a.post("/v1/enterprises", headers=_auth(deployment.keys["admin"]), json={
            "id": EID, "name": "部署测试机械有限公司（测试）", "industry": "工贸", "sector": "机械",
            "city_code": "3505", "county_code": "350583"}), 201)  # fmt: skip
        owner = _make_key(deployment, deployment.b, role="enterprise", name="部署测试企业", enterprise_id=EID)
        yield a, b, dict(deployment.keys, enterprise=owner)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _make_key(deploy: Deployment, url: str, **request: str) -> str:
    """A key made through POST /v1/admin/keys on the process at `url`."""
    with httpx.Client(base_url=url, timeout=30) as client:
        made = deploy.expect(client.post("/v1/admin/keys", headers=_auth(deploy.keys["admin"]), json=request), 201)
    return str(made["key"])


def _key_id(deploy: Deployment, url: str, name: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as client:
        listed = deploy.expect(client.get("/v1/admin/keys", headers=_auth(deploy.keys["admin"])), 200)
    return str(next(k["id"] for k in listed if k["name"] == name))


def _ask(deploy: Deployment, client: httpx.Client, text: str, conversation_id: str | None = None) -> Any:
    body: dict[str, Any] = {"model": "minqian", "messages": [{"role": "user", "content": text}]}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return deploy.expect(client.post("/v1/chat/completions", headers=_auth(deploy.keys["inspector"]), json=body), 200)


def test_a_key_made_with_the_cli_works_on_both_processes(deployment: Deployment) -> None:
    spare = _make_key(deployment, deployment.b, role="inspector", name="部署测试临时")
    with httpx.Client(timeout=30) as client:
        for url in (deployment.a, deployment.b):
            for key in (deployment.keys["admin"], deployment.keys["inspector"], spare):
                deployment.expect(client.get(f"{url}/v1/enterprises", headers=_auth(key)), 200)
            deployment.expect(client.get(f"{url}/v1/enterprises", headers=_auth("mq_not-a-key")), 401)

        # Revoked with the CLI, refused by both at once: no process caches keys.
        deployment.cli("keys", "revoke", _key_id(deployment, deployment.a, "部署测试临时"))
        for url in (deployment.a, deployment.b):
            deployment.expect(client.get(f"{url}/v1/enterprises", headers=_auth(spare)), 401)


def test_a_conversation_started_on_a_is_continued_on_b(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.a, timeout=60) as a, httpx.Client(base_url=deployment.b, timeout=60) as b:
        opening = _ask(deployment, a, "没有取得安全生产许可证就生产怎么处理？")
        follow = _ask(deployment, b, "那罚多少钱？", opening["conversation_id"])
        alone = _ask(deployment, b, "那罚多少钱？")

    # B read A's turn from the checkpoints in PostgreSQL: the bare follow-up
    # means nothing by itself, with the earlier question it finds the penalty.
    assert follow["conversation_id"] == opening["conversation_id"], deployment.logs()
    assert "《安全生产许可证条例》第十九条" in [c["citation"] for c in follow["citations"]], deployment.logs()
    assert "10万元以上50万元以下" in follow["choices"][0]["message"]["content"], deployment.logs()
    assert alone["answer_mode"] == "capabilities" and alone["citations"] == [], deployment.logs()


def test_a_code_confirmed_on_a_scans_on_b_and_patrols_come_back(enterprise, deployment: Deployment) -> None:  # type: ignore[no-untyped-def]
    a, b, keys = enterprise
    owner = _auth(keys["enterprise"])
    entries = [{"point": "RS-001-01", "controls_in_place": [1, 2], "responsible": "陈建华"},
               {"point": "RS-001-02", "controls_in_place": [], "responsible": "陈建华"}]  # fmt: skip
    confirmed = deployment.expect(a.post(f"/v1/enterprises/{EID}/risk-register", headers=owner,
                                         json={"people": 30, "entries": entries}), 201)  # fmt: skip
    code = confirmed["issued"][0]
    assert code["url"].startswith(f"{PUBLIC_URL}/r/")

    # B checks A's signature with the shared MINQIAN_RISK__CODE_SECRET.
    token = code["url"].rsplit("/", 1)[1]
    shown = deployment.expect(b.get(f"/v1/scan/{token}"), 200)
    on_a = deployment.expect(a.get(f"/v1/risk-codes/{code['id']}", headers=owner), 200)
    assert (shown["id"], shown["version"], shown["status"]) == (code["id"], on_a["version"], "有效")
    assert shown["risk_point"] == on_a["risk_point"]

    worker = deployment.expect(a.post(f"/v1/enterprises/{EID}/workers", json={"name": "王小明"}, headers=owner), 201)
    items = [{"item": check, "ok": True} for check in shown["patrol_checks"]]
    patrol = deployment.expect(b.post(f"/v1/scan/{token}/patrols", json={"items": items},
                                      headers={"X-Worker-Token": worker["token"]}), 201)  # fmt: skip
    listed = deployment.expect(a.get(f"/v1/enterprises/{EID}/patrols", headers=owner), 200)["data"]
    assert [(p["id"], p["worker"]) for p in listed] == [(patrol["id"], "王小明")], deployment.logs()


def test_a_coefficient_published_on_a_is_listed_on_b(enterprise, deployment: Deployment) -> None:  # type: ignore[no-untyped-def]
    a, b, keys = enterprise
    deployment.expect(b.post(f"/v1/enterprises/{EID}/reports", headers=_auth(keys["enterprise"]), json={
        "period": PERIOD, "values": {"licence_valid": True, "training_rate": 0.75}}), 201)  # fmt: skip
    published = deployment.expect(a.post("/v1/coefficients/publish", headers=_auth(keys["admin"]),
                                         json={"period": PERIOD}), 200)  # fmt: skip
    assert published["enterprises"] >= 1

    listed = deployment.expect(b.get("/v1/coefficients", params={"period": PERIOD},
                                     headers=_auth(keys["inspector"])), 200)  # fmt: skip
    row = next(r for r in listed["data"] if r["enterprise"] == EID)
    explained = deployment.expect(a.get(f"/v1/coefficients/{EID}", params={"period": PERIOD},
                                        headers=_auth(keys["admin"])), 200)  # fmt: skip
    assert (row["coefficient"], row["grade"]) == (explained["coefficient"], explained["grade"])
    training = next(i for i in explained["breakdown"]["items"] if i["indicator"] == "T1")
    assert training["points"] == 4.5, "the report stored through B was not scored on A"
