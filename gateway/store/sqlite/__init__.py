"""The embedded store: one SQLite file (WAL, durable commits) used by one worker thread
(database.py). Its parts, one module per concept, are composed here into the `Store`."""

from __future__ import annotations

from gateway.store import common
from gateway.store.base import Recorded, Windows
from gateway.store.sqlite import customers, evidence, flags, sessions
from gateway.store.sqlite.database import Database
from gateway.store.sqlite.hot_path import Request
from gateway.store.sqlite.snapshots import Snapshots
from policy_core.models import Contact, Decision


class SqliteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        db = self.db = Database(path)
        self.snapshots = Snapshots(db)
        self.open, self.close, self.ping = db.open, db.close, db.ping
        # the hot path
        self.resolve = self.snapshots.resolve
        self.add_flags = db.bind(flags.add_flags)
        # casework
        self.put_customer = self.snapshots.changing(db.bind(customers.put_customer))
        self.get_customer = db.bind(customers.get_customer)
        self.find_customers = db.bind(customers.find_customers)
        self.put_case = self.snapshots.changing(db.bind(customers.put_case))
        self.get_case = db.bind(customers.get_case)
        self.list_cases = db.bind(customers.list_cases)
        self.contacts = db.bind(evidence.contacts)
        self.daily_counts = db.bind(evidence.daily_counts)
        self.set_duration = db.bind(evidence.set_duration)
        self.held = db.bind(evidence.held)
        self.triage = db.bind(evidence.triage)
        self.acknowledge_flag = db.bind(flags.acknowledge_flag)
        self.list_flags = db.bind(flags.list_flags)
        self.audit = db.bind(flags.audit)
        self.audit_trail = db.bind(flags.audit_trail)
        # signed-in users
        self.create_session = db.bind(sessions.create_session)
        self.revoke_session = db.bind(sessions.revoke_session)
        self.session_live = db.bind(sessions.session_live)

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    async def record(
        self,
        contact: Contact,
        decision: Decision,
        windows: Windows,
        notice_limit: int | None = None,
    ) -> Recorded:
        request = Request(contact, decision, windows, notice_limit, common.new_contact_id())
        return await self.db.record(request)
