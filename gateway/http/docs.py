"""The API's description for signed-in people: /openapi.json (401 without credentials, as the
API answers), /docs (Swagger UI) and /redoc (pages: not signed in, off to /login). The
viewers' scripts and styles come from the fastapi-offline package, served here, so the docs
work on a gateway with no way out to a CDN and the pages load nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import fastapi_offline
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from gateway.http.auth import Principal, require
from gateway.http.pages import require_page_role
from gateway.settings import Role

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
OPENAPI_URL = "/openapi.json"

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Role.agent))]
PageReader = Annotated[Principal, Depends(require_page_role(Role.agent))]


def _private(response: HTMLResponse) -> HTMLResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(OPENAPI_URL)
async def openapi(request: Request, principal: Reader) -> JSONResponse:
    app: FastAPI = request.app
    return JSONResponse(app.openapi(), headers={"Cache-Control": "no-store"})


@router.get("/docs")
async def swagger(request: Request, principal: PageReader) -> HTMLResponse:
    return _private(
        get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title="Contact Gateway API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=None,
        )
    )


@router.get("/redoc")
async def redoc(request: Request, principal: PageReader) -> HTMLResponse:
    return _private(
        get_redoc_html(
            openapi_url=OPENAPI_URL,
            title="Contact Gateway API",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
    )


def install(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    app.include_router(router)
