"""Nothing is lost: when Redis dies mid-run the gateway delivers, journals, and replays the
journal into the store once Redis is back, automatically or with `contact-gateway replay`."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path

from gateway.profiles import load_profile
from gateway.runtime import Gateway
from gateway.settings import Settings
from gateway.store import open_store
from policy_core.cases import Case, CaseState
from policy_core.identities import Identity
from policy_core.models import Action, Channel, Contact, Customer
from tests.servers import RedisServer

START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SENDER = Identity.of("phone", "07700 900123")


def call(n: int) -> Contact:
    return Contact(channel=Channel.phone, sender=SENDER, external_id=f"CA{n:04d}",
                   received_at=START + dt.timedelta(minutes=n))  # fmt: skip


async def restricted_gateway(url: str, data_dir: Path) -> Gateway:
    settings = Settings(store={"url": url}, data_dir=data_dir)
    gateway = Gateway(settings, open_store(url), load_profile("derby-homes-2020"))
    await gateway.store.open()
    await gateway.store.put_customer(Customer(ref="C-1", name="A", identities=(SENDER,)))
    restriction = {"kind": "letter_only", "starts_on": "2026-10-01"}
    case = Case.model_validate(
        {"id": "K-1", "customer_ref": "C-1", "state": CaseState.restricted,
         "restrictions": [restriction]}
    )  # fmt: skip
    await gateway.store.put_case(case)
    return gateway


async def stored_calls(gateway: Gateway) -> int:
    day = START.date()
    counts = await gateway.store.daily_counts("C-1", day, day + dt.timedelta(days=1))
    return sum(c.count for c in counts if c.channel is Channel.phone)


async def test_redis_killed_mid_run_loses_nothing(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis", durable=True) as server:
        gateway = await restricted_gateway(server.url, tmp_path / "data")
        before = [await gateway.dispatch(call(n)) for n in range(5)]
        assert [d.decision.action for d in before] == [Action.refuse] * 5

        server.kill()
        during = [await gateway.dispatch(call(n)) for n in range(5, 12)]
        assert all(d.fail_open and d.decision.action is Action.deliver for d in during)
        assert gateway.journal.pending() == 7
        assert not await gateway.store_up()

        server.start()
        assert await gateway.replay_journal() == 7
        assert gateway.journal.pending() == 0
        assert await stored_calls(gateway) == 12
        # A second replay finds nothing, and the replayed contacts were decided as usual.
        assert await gateway.replay_journal() == 0
        held = await gateway.store.held("C-1")
        assert len(held) == 12
        await gateway.store.close()


async def test_the_journal_replays_by_itself_when_the_store_is_back(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis", durable=True) as server:
        gateway = await restricted_gateway(server.url, tmp_path / "data")
        replayer = asyncio.create_task(gateway.run_replay(every_seconds=0.05))
        server.kill()
        await gateway.dispatch(call(1))
        assert gateway.journal.pending() == 1
        server.start()
        for _ in range(100):
            if gateway.journal.pending() == 0:
                break
            await asyncio.sleep(0.05)
        replayer.cancel()
        assert gateway.journal.pending() == 0
        assert await stored_calls(gateway) == 1
        await gateway.store.close()


async def test_replay_command_reports_progress(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis", durable=True) as server:
        gateway = await restricted_gateway(server.url, tmp_path / "data")
        server.kill()
        for n in range(3):
            await gateway.dispatch(call(n))
        await gateway.store.close()
        config = tmp_path / "gateway.toml"
        config.write_text(f'data_dir = "{tmp_path / "data"}"\n[store]\nurl = "{server.url}"\n')
        command = [sys.executable, "-m", "gateway.cli", "replay", "--config", str(config)]
        down = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=60
        )
        assert down.returncode == 1
        assert "3 contact(s) still journalled" in down.stderr
        server.start()
        up = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=60
        )
        assert up.returncode == 0, up.stderr
        assert "replayed 3 of 3" in up.stdout
