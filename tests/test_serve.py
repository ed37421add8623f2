"""`claimbot serve` as an operator runs it: real processes started from deploy/claimbot.service's
ExecStart and Environment, against the local fake Discord (tests/fake_discord.py) and the test
database. On the PostgreSQL leg two processes split the gateway shards (CLAIMBOT_SHARD_COUNT /
CLAIMBOT_SHARD_IDS) and answer into one database; on the embedded default one unsharded process.
Both stop cleanly on SIGTERM, as `systemctl stop` and `docker stop` send it.

The processes reach the fake because a `sitecustomize` module on their PYTHONPATH points discord.py's
REST base and gateway URL at it before the CLI starts; nothing in the product knows about the fake.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, select

from claimbot.index.storage.review_tables import AnswerRow
from tests.conftest import ON_POSTGRES
from tests.fake_discord import FakeDiscord, Member, guild_on_shard, slash
from tests.test_deploy import systemd_unit

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]

UNIT_CLAIMBOT = "/opt/claimbot/.venv/bin/claimbot"
# Model loading in two processes on two cores, then the first check loads the stance model.
START_TIMEOUT_S = 300
ANSWER_TIMEOUT_S = 120

SITECUSTOMIZE = """\
import os

if os.environ.get("CLAIMBOT_TEST_FAKE_DISCORD"):
    import discord.gateway
    import discord.http
    import yarl

    _base = os.environ["CLAIMBOT_TEST_FAKE_DISCORD"]
    discord.http.Route.BASE = _base + "/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(_base.replace("http://", "ws://") + "/gateway")
"""


def unit_command_and_environment() -> tuple[list[str], dict[str, str]]:
    """ExecStart with this checkout's claimbot instead of /opt/claimbot's, and the Environment= pairs."""
    service = systemd_unit()["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0] == UNIT_CLAIMBOT, command
    command[0] = str(Path(sys.executable).parent / "claimbot")
    environment = dict(pair.split("=", 1) for pair in shlex.split(service["Environment"]))
    return command, environment


@pytest_asyncio.fixture
async def fake():
    f = FakeDiscord()
    await f.start()
    try:
        yield f
    finally:
        await f.stop()
    assert f.violations == [], f.violations


async def test_serve_processes_from_the_systemd_unit_answer_and_stop_on_sigterm(fake, demo_index, tmp_path: Path):
    settings = demo_index.settings
    command, unit_env = unit_command_and_environment()
    (tmp_path / "pylib").mkdir()
    (tmp_path / "pylib" / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    shards = [0, 1] if ON_POSTGRES else [None]

    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **unit_env,
        # What the operator puts in /etc/claimbot/claimbot.env (EnvironmentFile=), and this test's paths.
        "CLAIMBOT_HOME": str(settings.home),
        "DISCORD_TOKEN": "fake-token",
        "PYTHONPATH": str(tmp_path / "pylib"),
        "CLAIMBOT_TEST_FAKE_DISCORD": f"http://127.0.0.1:{fake.port}",
    }
    if settings.database_url:
        base_env["DATABASE_URL"] = settings.database_url
    assert unit_env["HF_HUB_OFFLINE"] == "1"

    procs: list[asyncio.subprocess.Process] = []
    logs: list[Path] = []
    try:
        for shard in shards:
            env = dict(base_env)
            if shard is not None:
                env.update(CLAIMBOT_SHARD_COUNT=str(len(shards)), CLAIMBOT_SHARD_IDS=str(shard))
            log = tmp_path / f"serve-{shard}.log"
            logs.append(log)
            with log.open("wb") as out:
                # The unit's WorkingDirectory is the bot's home: no stray .env is read from elsewhere.
                procs.append(
                    await asyncio.create_subprocess_exec(
                        *command, env=env, cwd=settings.home, stdout=out, stderr=asyncio.subprocess.STDOUT
                    )
                )

        def output() -> str:
            return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)

        connected = {0, 1} if ON_POSTGRES else {0}
        try:
            await fake.wait_for_shards(connected, timeout=START_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"serve did not connect to the gateway: {output()}")
        if ON_POSTGRES:
            assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        else:
            assert "shard" not in fake.identify

        guilds = [guild_on_shard(shard, len(connected)) for shard in sorted(connected)]
        assert [fake.shard_of(g.id) for g in guilds] == sorted(connected)
        for guild in guilds:
            p = await fake.dispatch_interaction(slash(guild, Member(), "check", claim="Pérez was killed"))
            try:
                fu = await fake.wait_for(
                    lambda r, token=p["token"]: r.method == "POST" and r.path.endswith(f"/{token}"),
                    timeout=ANSWER_TIMEOUT_S,
                )
            except TimeoutError:
                seen = [(r.method, r.path, r.status) for r in fake.requests]
                pytest.fail(f"no answer from the shard of guild {guild.id} (requests seen: {seen}): {output()}")
            assert fu.json["embeds"][0]["title"] == "Claim: Pérez was killed"

        # Every process stored its answer in the one database.
        engine = create_engine(settings.resolved_database_url)
        try:
            with engine.connect() as c:
                stored = set(
                    c.execute(
                        select(AnswerRow.guild_id).where(AnswerRow.guild_id.in_([g.id for g in guilds]))
                    ).scalars()
                )
        finally:
            engine.dispose()
        assert stored == {g.id for g in guilds}

        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(proc.wait(), 60) for proc in procs]
        assert codes == [0] * len(procs), output()
        await fake.wait_for_shards(set())
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
