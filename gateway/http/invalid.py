"""The API's answer to a request body or parameter that does not validate: 422 with where and
what, as FastAPI answers, but without echoing the input back. FastAPI's own answer repeats
the input, and an input holding NaN or Infinity (which Python's JSON reader accepts) cannot be
written as JSON: the answer became a 500 with a traceback."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "type": str(error.get("type", "")),
            "loc": [p if isinstance(p, int) else str(p) for p in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
        }
        for error in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def answer_invalid_requests(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, invalid_request)
