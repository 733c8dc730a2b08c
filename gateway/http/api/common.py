"""What every API route shares: the store's and the lifecycle's errors as HTTP statuses, the
audit trail, and today's date in the landlord's time zone. Routes translate; the rules live in
the store and in policy_core."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.exceptions import RequestValidationError

from gateway.http.auth import Principal, gateway_of
from gateway.http.scopes import OutOfScope
from gateway.inputs import InputError, Loc
from gateway.runtime import Gateway
from gateway.store.base import AuditEntry, IdentityConflict, NotFound, StoreError
from policy_core.lifecycle import TransitionError


def now(request: Request) -> dt.datetime:
    """Now, on the gateway's one clock."""
    return gateway_of(request).clock.now()


def today(request: Request) -> dt.date:
    """Today's London date, on the gateway's one clock."""
    return gateway_of(request).clock.today()


def invalid(problems: list[tuple[Loc, str]], where: str = "body") -> RequestValidationError:
    """A 422 shaped like FastAPI's own, naming each field."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (where, *loc), "msg": msg} for loc, msg in problems]
    )


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {what}")


@contextlib.contextmanager
def translated(where: str = "body") -> Iterator[None]:
    """Store and lifecycle errors as statuses: 404 unknown, 409 conflict or refused step,
    422 bad input (at its field), 503 store unreachable."""
    try:
        yield
    except InputError as exc:
        raise invalid(exc.problems, where) from exc
    except OutOfScope as exc:  # another officer's case, customer or held item
        raise HTTPException(exc.status_code, exc.message) from exc
    except IdentityConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except TransitionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc) or "not found") from exc
    except StoreError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the store is unreachable"
        ) from exc


async def audit(
    request: Request, principal: Principal, action: str, subject: str, **detail: Any
) -> None:
    entry = AuditEntry(
        at=now(request), actor=principal.name, action=action, subject=subject, detail=detail
    )
    with translated():
        await gateway_of(request).store.audit(entry)


def region(gateway: Gateway) -> str:
    return gateway.settings.policy.phone_region
