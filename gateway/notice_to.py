"""Where a written notice to an e-mail may go: only to the customer's own address on record.

A refusal notice says that a named person is restricted, so it must never reach a stranger
who wrote in that person's name: not an envelope sender, Return-Path or Reply-To that is not
the customer's. The candidates, in order: the address the channel would reply to (the
envelope sender), then the From address unless the channel found it unauthenticated. The
first that is one of the customer's e-mail addresses on record is the answer; with none, the
message is kept without a reply (and no allowance is spent)."""

from __future__ import annotations

from policy_core.identities import Identity, IdentityKind
from policy_core.models import Contact, Snapshot


def notice_address(contact: Contact, snapshot: Snapshot, reply_to: str | None) -> str | None:
    customer = snapshot.customer
    if customer is None:
        return None
    own = {i.value for i in customer.identities if i.kind is IdentityKind.email}
    candidates = [reply_to] if reply_to else []
    if contact.authenticated is not False and contact.sender.kind is IdentityKind.email:
        candidates.append(contact.sender.value)
    for candidate in candidates:
        try:
            address = Identity.of(IdentityKind.email, candidate).value
        except ValueError:  # IdentityError, or the model's ValidationError around it
            continue
        if address in own:
            return address
    return None
