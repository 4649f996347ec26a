"""The FastAPI application: routes, error answers, the token check and the OpenAPI document.

create_app() checks the settings first, so the app refuses to exist with unsafe
settings whichever way it is started (`python -m api`, or uvicorn with --factory)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from .answer_cache import AnswerCache
from .auth import BearerAuthMiddleware
from .database import DatabaseUnavailable, MartMissing
from .routes import router
from .settings import Settings, load_settings
from .validation import InvalidParameter

VERSION = "0.4.0"


def _headers(error: Exception) -> dict[str, str]:
    return getattr(error, "rfm_headers", None) or {}


async def _invalid_parameter(request: Request, error: InvalidParameter) -> JSONResponse:
    return JSONResponse({"detail": error.message, "parameter": error.name}, 422, headers=_headers(error))


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's own checks (limit bounds, missing since) as one sentence, without echoing the input."""
    problems = []
    for item in error.errors():
        location = item.get("loc", ())
        name = str(location[-1]) if location else "request"
        problems.append(f"{name}: {item.get('msg', 'not valid')}")
    return JSONResponse({"detail": "; ".join(problems) or "The request is not valid."}, 422)


async def _unavailable(request: Request, error: DatabaseUnavailable) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, 503, headers={"Retry-After": "30"})


async def _mart_missing(request: Request, error: MartMissing) -> JSONResponse:
    return JSONResponse(
        {"detail": f"The {error.args[0]} mart is not built in this database yet; rebuild with the current project."},
        501, headers=_headers(error))


def _openapi(app: FastAPI):
    """The generated document plus the bearer scheme, which the middleware (not a route) enforces."""
    def build() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "RFM_API_TOKEN"}}
        schema["security"] = [{"bearer": []}]
        schema["paths"]["/health"]["get"]["security"] = []
        app.openapi_schema = schema
        return schema
    return build


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="rfm_lifecycle API",
        version=VERSION,
        description="Read-only customer segments, changes and thresholds from the rfm_lifecycle marts (docs/api.md).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.customer_answers = AnswerCache(settings.cached_customers)
    app.include_router(router)
    app.add_exception_handler(InvalidParameter, _invalid_parameter)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(DatabaseUnavailable, _unavailable)
    app.add_exception_handler(MartMissing, _mart_missing)
    app.add_middleware(BearerAuthMiddleware, settings=settings)
    app.openapi = _openapi(app)
    return app
