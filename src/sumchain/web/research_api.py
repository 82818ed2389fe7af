"""The research dashboard's JSON routes over `--runs DIR`, mounted under /api/research.

Every route takes the output's path relative to --runs as `?path=` (as `/outputs` lists it); a path
outside --runs is refused (400 for an absolute path or `..`, 404 for what is not there or leads
out through a link). Errors are `{"error": "<one line>"}`. Handlers are plain functions: Starlette
runs them in its thread pool, so reading a large table never blocks the event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from sumchain.errors import SumchainError
from sumchain.files import strict_json
from sumchain.web import research
from sumchain.web.report_html import render_report
from sumchain.web.research import BadRequest, NotFound

FILE_TYPES = {".png": "image/png", ".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8"}
"""What `/file` serves from an output folder: its figures, statistics tables and report text."""
NO_RUNS = "no runs folder: start sumchain serve with --runs DIR"


def routes(runs_dir: Path | None) -> list[Route]:
    api = ResearchApi(runs_dir)
    return [Route(f"/{name}", api.handler(getattr(api, name)), methods=["GET"])
            for name in ("outputs", "run", "sweep", "bands", "series", "report", "file")]


def _json(data: Any, status: int = 200) -> Response:
    return Response(strict_json(data, indent=None), status_code=status, media_type="application/json")


class ResearchApi:
    """The handlers, bound to one runs folder (None: `serve` was started without --runs)."""

    def __init__(self, runs: Path | None):
        self.runs = Path(runs) if runs is not None else None

    def handler(self, method: Callable[[Request], Any]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            if self.runs is None:       # the listing is empty (the page says why); anything else is not there
                if method == self.outputs:
                    return _json({"runs": None, "outputs": []})
                return JSONResponse({"error": NO_RUNS}, 404)
            try:
                result = method(request)
            except BadRequest as error:
                return JSONResponse({"error": str(error)}, 400)
            except NotFound as error:
                return JSONResponse({"error": str(error)}, 404)
            except (SumchainError, OSError, ValueError) as error:     # a damaged or unreadable file
                return JSONResponse({"error": " ".join(str(error).split()) or type(error).__name__}, 422)
            return result if isinstance(result, Response) else _json(result)
        return endpoint

    def _output(self, request: Request, *kinds: str) -> tuple[Path, str, str]:
        given = request.query_params.get("path")
        folder = research.confined(self.runs, given)
        return folder, given, research.require_kind(folder, given, kinds)

    # -- routes ------------------------------------------------------------------------------------
    def outputs(self, request: Request) -> dict:
        return {"runs": str(self.runs), "outputs": research.list_outputs(self.runs)}

    def run(self, request: Request) -> dict:
        folder, given, _ = self._output(request, "run")
        return {"path": given, "kind": "run", **research.read_run(folder)}

    def sweep(self, request: Request) -> dict:
        folder, given, kind = self._output(request, "sweep", "reproduce", "study")
        return {"path": given, "kind": kind, **research.read_sweep(folder)}

    def bands(self, request: Request) -> dict:
        folder, given, _ = self._output(request, "sweep", "reproduce", "study")
        query = request.query_params
        x, metric = query.get("x"), query.get("metric")
        if not x or not metric:
            raise BadRequest("give the parameter and the metric to plot, as ?x=PARAMETER&metric=METRIC")
        frame = research.read_results(folder)
        return {"path": given, "x": x, "metric": metric, "group": query.get("group") or None,
                "lines": research.seed_bands(frame, x, metric, query.get("group") or None)}

    def series(self, request: Request) -> dict:
        folder, given, _ = self._output(request, "sweep", "reproduce", "study")
        hashes = [h for h in request.query_params.get("runs", "").split(",") if h]
        return {"path": given, "runs": research.read_overlay(folder, hashes)}

    def report(self, request: Request) -> dict:
        folder, given, kind = self._output(request, "reproduce", "study")
        report = folder / "report.md"
        if not report.is_file():
            raise NotFound(f"{given!r} has no report.md yet (its command has not finished)")

        def file_url(relative: str) -> str | None:
            """A path in report.md (relative to its folder) as the /file URL serving it, if one does."""
            try:
                target = research.confined(folder, relative)
            except SumchainError:
                return None
            if not target.is_file() or target.suffix not in FILE_TYPES:
                return None
            return f"/api/research/file?path={quote(research.relative(self.runs, target))}"

        return {"path": given, "kind": kind, "html": render_report(report.read_text(encoding="utf-8"), file_url),
                "figures": research.report_figures(folder, kind)}

    def file(self, request: Request) -> Response:
        given = request.query_params.get("path")
        path = research.confined(self.runs, given)
        if not path.is_file() or path.suffix not in FILE_TYPES:
            raise NotFound(f"{given!r} is not a figure, table or report the dashboard serves "
                           f"({', '.join(FILE_TYPES)} files in an output folder)")
        owner = next((p for p in path.parents if research.kind_of(p) is not None), None)
        if owner is None or not owner.is_relative_to(self.runs.resolve()):
            raise NotFound(f"{given!r} is not inside an output folder under --runs")
        return FileResponse(path, media_type=FILE_TYPES[path.suffix], headers={"cache-control": "no-cache"})

