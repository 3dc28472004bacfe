"""The playground's server: a Starlette application run by uvicorn.

``GET /`` is the page, ``/static/…`` its script and style (shipped in the package). The page sends its
buttons and settings as ``POST /api/…`` with JSON and receives frames over the WebSocket ``/ws`` (about
``FRAMES_PER_SECOND`` a second while training runs, one after each change otherwise). An own file comes as
the raw body of ``POST /api/upload?name=…``, refused above ``MAX_UPLOAD`` bytes, and is stored only in the
session's temporary folder (removed when the server stops). One session per server: a page opened in a second
tab takes the session over and the first tab is told so.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import tempfile
import webbrowser
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from bpnn.tables import DataError
from bpnn.web.data import SUFFIXES, read_own
from bpnn.web.session import Session

STATIC = Path(__file__).with_name("static")
MAX_UPLOAD = 8 * 2**20  # bytes
FRAMES_PER_SECOND = 12
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


def create_app() -> Starlette:
    """A fresh application with its own session and temporary folder."""
    session = Session()
    folder = Path(tempfile.mkdtemp(prefix="bpnn-playground-"))
    state = {"tab": 0, "changed": asyncio.Event()}

    def changed() -> None:
        state["changed"].set()

    async def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def action(request: Request) -> JSONResponse:
        name = request.path_params["name"]
        try:
            raw = await request.body()
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            return JSONResponse({"error": "the request body is not JSON"}, status_code=400)
        try:
            if name == "settings":
                await asyncio.to_thread(session.configure, body)
            elif name == "train":
                session.train()
            elif name in ("pause", "reset"):
                await asyncio.to_thread(getattr(session, name))
            elif name == "step":
                sample = body.get("sample")
                if sample is not None and not (isinstance(sample, int) and 0 <= sample < len(session.train_rows)):
                    raise ValueError(f"sample: a number from 0 to {len(session.train_rows) - 1}")
                view = await asyncio.to_thread(session.step, sample)
                changed()
                return JSONResponse({"ok": True, "trace": view})
            else:
                return JSONResponse({"error": f"no action {name!r}"}, status_code=404)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        changed()
        return JSONResponse({"ok": True})

    async def points(request: Request) -> JSONResponse:
        return JSONResponse(session.points())

    async def trace(request: Request) -> JSONResponse:
        sample = request.query_params.get("sample")
        try:
            index = None if sample in (None, "", "batch") else int(sample)
            if index is not None and not 0 <= index < len(session.train_rows):
                raise ValueError(f"sample: a number from 0 to {len(session.train_rows) - 1}")
            return JSONResponse(await asyncio.to_thread(session.trace, index))
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)

    async def upload(request: Request) -> JSONResponse:
        shown = Path(request.query_params.get("name") or "data.csv").name or "data.csv"
        suffix = Path(shown).suffix.lower()
        if suffix not in SUFFIXES:
            return JSONResponse({"error": f"{shown}: give a CSV, TSV, .xlsx or Parquet file "
                                          f"({', '.join(SUFFIXES)})"}, status_code=400)
        declared = request.headers.get("content-length")
        too_big = {"error": f"{shown}: the file is over the playground's limit of {MAX_UPLOAD // 2**20} MiB; "
                            f"train on it with `bpnn train` instead"}
        if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD:
            return JSONResponse(too_big, status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD:
                return JSONResponse(too_big, status_code=413)
        path = folder / f"upload{suffix}"  # never the user's name: nothing is written outside the folder
        path.write_bytes(bytes(body))
        features = [c for c in (request.query_params.get("x1"), request.query_params.get("x2")) if c]
        try:
            data = await asyncio.to_thread(read_own, path, shown, features or None,
                                           request.query_params.get("label") or None)
        except DataError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        await asyncio.to_thread(session.use_own, data)
        changed()
        return JSONResponse({"ok": True, "notes": data.notes})

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        state["tab"] += 1
        tab = state["tab"]
        changed()
        try:
            while True:
                if state["tab"] != tab:
                    await websocket.send_json({"type": "taken", "message": "the playground is open in another tab"})
                    await websocket.close()
                    return
                await websocket.send_json(session.frame())
                state["changed"].clear()
                if not session.running.is_set():
                    try:
                        await asyncio.wait_for(state["changed"].wait(), timeout=1.0)
                    except asyncio.TimeoutError:
                        pass
                else:
                    await asyncio.sleep(1 / FRAMES_PER_SECOND)
        except (WebSocketDisconnect, RuntimeError, OSError):  # the tab went away
            return

    @asynccontextmanager
    async def lifespan(app: Starlette):
        try:
            yield
        finally:
            session.close()
            shutil.rmtree(folder, ignore_errors=True)

    app = Starlette(routes=[
        Route("/", page),
        Route("/api/points", points),
        Route("/api/trace", trace),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/{name}", action, methods=["POST"]),
        WebSocketRoute("/ws", stream),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], lifespan=lifespan)
    app.state.session, app.state.folder = session, folder
    return app


def bind(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A listening socket (port 0: any free port); OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(16)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def make_server(sock: socket.socket):
    """A uvicorn server for a fresh application on ``sock``; ``server.run(sockets=[sock])`` serves until
    ``server.should_exit`` (Ctrl-C sets it)."""
    import uvicorn

    config = uvicorn.Config(create_app(), log_level="warning", ws="websockets-sansio", lifespan="on")
    return uvicorn.Server(config)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = True, say=print) -> None:
    """Serve the playground until Ctrl-C."""
    sock = bind(host, port)
    url = url_of(sock)
    say(f"bpnn playground: {url}  (Ctrl-C stops it)")
    if open_browser:
        webbrowser.open(url)
    make_server(sock).run(sockets=[sock])
