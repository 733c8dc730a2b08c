"""What passes between a channel and the gateway: the channel says whether the sender may be
answered at all (`ReplyChannel`, or None), the gateway answers with an `Outcome` the channel
renders in its own terms (an SMTP relay or auto-reply, TwiML, a Slack message, an IMAP move)."""

from __future__ import annotations

from dataclasses import dataclass

from policy_core.models import Action, Channel, Contact, Decision


@dataclass(frozen=True)
class Dispatched:
    """A decision as the pipeline recorded it (the agents' screen pop watches these)."""

    contact: Contact
    decision: Decision
    contact_id: str | None
    customer_key: str
    duplicate: bool = False
    fail_open: bool = False
    notice_allowed: bool = False  # asked for (dispatch(notice=True)) and within the allowance
    notice_to: str | None = None  # e-mail: the customer's own address a notice may go to


@dataclass(frozen=True, kw_only=True, slots=True)
class ReplyChannel:
    """The sender may be answered, on `channel` (the notice is written for that medium and
    counted against its daily allowance). `live`: the sender is on the line now (a call),
    so a refusal or a hold is always spoken, never counted and never silent. `to`: for
    e-mail, the address the reply would go to (the envelope sender or Return-Path); the
    gateway sends a notice only to the customer's own address on record (gateway/notice_to.py)."""

    channel: Channel
    live: bool = False
    to: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What the channel must do with one contact.

    - `destination`: where a redirect goes, in the channel's own address form (an e-mail
      address for e-mail, an E.164 number for calls and texts); None when the decision names
      none the channel can use (the channel then uses its own fallback);
    - `notice`: the notice text, rendered for the reply channel and already allowed by the
      sender's daily allowance; None when no notice is to be sent (no reply possible, the
      allowance spent, or an action that sends none). A retry of the same contact gets the
      same answer and spends nothing;
    - `notice_to`: for e-mail, where a notice may go: the customer's own address on record,
      never an address that is not theirs (with none, `notice` is None);
    - `duplicate`: the contact was seen before (same channel and external id): the decision
      is the earlier one; `fail_open`: the store was unreachable, the contact was journalled
      and is delivered."""

    action: Action
    destination: str | None
    notice: str | None
    contact: Contact
    contact_id: str | None
    customer_key: str
    decision: Decision
    duplicate: bool = False
    fail_open: bool = False
    notice_to: str | None = None
