"""Small collections in the exact upstream formats, and a local HTTP server that serves them.

BEIR: a zip holding <name>/corpus.jsonl, queries.jsonl, qrels/test.tsv. BRIGHT: examples and documents
parquet files with the HF columns. LoCo: queries and documents parquet files with the HF columns.
The server (http.server in a thread) can also answer 500, cut a body short, or stall mid-way.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def beir_zip(root: str, corpus: list[dict], queries: list[dict], qrels: list[tuple[str, str, int]],
             split: str = "test") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{root}/corpus.jsonl", "".join(json.dumps(d) + "\n" for d in corpus))
        archive.writestr(f"{root}/queries.jsonl", "".join(json.dumps(q) + "\n" for q in queries))
        archive.writestr(f"{root}/qrels/{split}.tsv",
                         "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels))
    return buffer.getvalue()


def parquet_bytes(rows: list[dict], schema: pa.Schema) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buffer)
    return buffer.getvalue()


BRIGHT_EXAMPLES = pa.schema([("query", pa.string()), ("reasoning", pa.string()), ("id", pa.string()),
                             ("excluded_ids", pa.list_(pa.string())), ("gold_ids_long", pa.list_(pa.string())),
                             ("gold_ids", pa.list_(pa.string())), ("gold_answer", pa.string())])
BRIGHT_DOCUMENTS = pa.schema([("id", pa.string()), ("content", pa.string())])
LOCO_QUERIES = pa.schema([("qid", pa.string()), ("dataset", pa.string()), ("query", pa.string()),
                          ("answer_pids", pa.list_(pa.string()))])
LOCO_DOCUMENTS = pa.schema([("pid", pa.string()), ("dataset", pa.string()), ("passage", pa.string())])


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class Upstream:
    """Files by URL path; behaviours by path prefix: /500/..., /cut/... (half the body), /drop/... (close)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return None

            def do_GET(self):
                upstream.requests.append(self.path)
                mode, _, name = self.path.lstrip("/").partition("/")
                if mode not in ("ok", "500", "cut", "drop") or name not in upstream.files:
                    self.send_error(404)
                    return
                if mode == "500":
                    self.send_error(500, "Internal Server Error")
                    return
                body = upstream.files[name]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "ok":
                    self.wfile.write(body)
                elif mode == "cut":  # declared length, half the bytes, clean close
                    self.wfile.write(body[: len(body) // 2])
                else:  # server error mid-way: connection reset after some bytes
                    self.wfile.write(body[: len(body) // 3])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, name: str, mode: str = "ok") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/{name}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
