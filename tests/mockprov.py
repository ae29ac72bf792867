#!/usr/bin/env python3
"""mockprov.py: a loopback mock LLM provider for the t3 tests.

usage:
  mockprov.py --port-file FILE --log FILE --script FILE [--idle-timeout SECS]
  mockprov.py --dump-gen API N
  mockprov.py --blackhole --port-file FILE [--idle-timeout SECS]

Serves HTTP/1.1 on 127.0.0.1 on a free port, which it writes to --port-file
(atomically: a temporary name, then rename). Every request, whatever its
method and path, is appended to --log as one JSON line:
  {"n": 1, "method": "POST", "path": "/v1/chat/completions",
   "query": {"alt": "sse"}, "headers": {"content-type": "..."},
   "body": <the body parsed as JSON, else the raw text, else null>}
and answered from --script, a JSON-lines file: request i gets line i, and
the last line repeats once requests outnumber lines. Keys of a line:
  status          HTTP status (200)
  file            response body from a file, relative to the script's
                  directory or absolute
  body            literal response body (a string)
  gen_events, api generate a valid N-event stream of that API ("openai",
                  "anthropic", "gemini"): text deltas "tok0 ", "tok1 ", ...,
                  usage (10 prompt tokens, N completion tokens), terminator
  content_type    default text/event-stream for .sse files and generated
                  streams, application/json otherwise
  headers         extra response headers, {"Retry-After": "1"}
  huge_line       prepend an SSE line "data: " + N bytes of 'x' + blank line
  pad_comments    send at least N bytes of SSE comment lines (64 KiB each,
                  made as they are sent) before the body
  pad_json        instead of a body: {"pad":"xxx..."} with N x's, JSON
  chunk           write the body in N-byte pieces (default: all at once)
  per_event       write each SSE event (through its blank line) as a piece
                  of its own, as providers do
  delay_ms        sleep between pieces (drip)
  first_delay_ms  sleep after the headers, before the first body byte
  cut_at          send only the first B body bytes, then close the
                  connection with no end of body (a truncated transfer)
  stall_after     send B body bytes, sleep stall_s seconds (default 10),
                  then the rest
Event streams are sent with chunked transfer encoding, other bodies with
Content-Length; either way a cut is visible to the client as an incomplete
transfer. Every response carries Connection: close.

--tls CERT KEY serves HTTPS instead, with that certificate and key (PEM).
A client that refuses the certificate ends the connection in the
handshake: no request is logged.

The server exits by itself after --idle-timeout seconds (default 30)
without a request, and on SIGTERM/SIGINT.

--dump-gen API N prints the generated N-event stream to stdout.

--blackhole listens on a port (written to --port-file) that accepts no
connection and answers no SYN: a connect to it hangs, as towards a host
that is down, until the client's connect timeout. It exits on
SIGTERM/SIGINT or after --idle-timeout seconds.

Python 3 standard library only.
"""

import argparse
import functools
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http import HTTPStatus

MODEL = "mock-model"
PROMPT_TOKENS = 10


def gen_openai(n):
    out = []
    base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk",
            "created": 1700000000, "model": MODEL}

    def ev(obj):
        out.append("data: " + json.dumps(obj, separators=(",", ":")) + "\n\n")

    for i in range(n):
        delta = {"content": "tok%d " % i}
        if i == 0:
            delta = {"role": "assistant", "content": "tok0 "}
        ev(dict(base, choices=[{"index": 0, "delta": delta,
                                "finish_reason": None}], usage=None))
    ev(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}],
            usage=None))
    ev(dict(base, choices=[], usage={
        "prompt_tokens": PROMPT_TOKENS, "completion_tokens": n,
        "total_tokens": PROMPT_TOKENS + n,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0}}))
    out.append("data: [DONE]\n\n")
    return "".join(out)


def gen_anthropic(n):
    out = []

    def ev(name, obj):
        out.append("event: %s\ndata: %s\n\n"
                   % (name, json.dumps(obj, separators=(",", ":"))))

    ev("message_start", {"type": "message_start", "message": {
        "id": "msg_mock", "type": "message", "role": "assistant",
        "content": [], "model": MODEL, "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": 1}}})
    ev("content_block_start", {"type": "content_block_start", "index": 0,
                               "content_block": {"type": "text", "text": ""}})
    ev("ping", {"type": "ping"})
    for i in range(n):
        ev("content_block_delta", {
            "type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": "tok%d " % i}})
    ev("content_block_stop", {"type": "content_block_stop", "index": 0})
    ev("message_delta", {"type": "message_delta",
                         "delta": {"stop_reason": "end_turn",
                                   "stop_sequence": None},
                         "usage": {"output_tokens": n}})
    ev("message_stop", {"type": "message_stop"})
    return "".join(out)


def gen_gemini(n):
    out = []
    for i in range(n):
        cand = {"content": {"parts": [{"text": "tok%d " % i}],
                            "role": "model"}, "index": 0}
        if i == n - 1:
            cand["finishReason"] = "STOP"
        obj = {"candidates": [cand],
               "usageMetadata": {"promptTokenCount": PROMPT_TOKENS,
                                 "candidatesTokenCount": i + 1,
                                 "totalTokenCount": PROMPT_TOKENS + i + 1},
               "modelVersion": MODEL, "responseId": "mock"}
        # Gemini ends its lines with CRLF.
        out.append("data: " + json.dumps(obj, separators=(",", ":"))
                   + "\r\n\r\n")
    return "".join(out)


GENERATORS = {"openai": gen_openai, "anthropic": gen_anthropic,
              "gemini": gen_gemini}


@functools.lru_cache(maxsize=8)
def generate(api, n):
    """The stream as bytes, made once per (api, n): a benchmark's server
    answers at once instead of spending ~15 ms building 2,000 events."""
    if api not in GENERATORS:
        raise ValueError("unknown api '%s'" % api)
    if n < 1:
        raise ValueError("gen_events must be at least 1")
    return GENERATORS[api](n).encode()


class Mock:
    def __init__(self, args):
        self.script_path = os.path.abspath(args.script)
        self.script_dir = os.path.dirname(self.script_path)
        self.log_path = args.log
        self.lock = threading.Lock()
        self.count = 0
        self.active = 0
        self.last = time.monotonic()
        self.lines = []
        with open(self.script_path, encoding="utf-8") as f:
            for num, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError as e:
                    sys.exit("mockprov: error: script line %d: %s" % (num, e))
                if not isinstance(entry, dict):
                    sys.exit("mockprov: error: script line %d: not an object"
                             % num)
                self.lines.append(entry)
        if not self.lines:
            sys.exit("mockprov: error: script '%s' is empty" % args.script)

    def next_entry(self):
        with self.lock:
            self.count += 1
            n = self.count
        return n, self.lines[min(n, len(self.lines)) - 1]

    def log(self, record):
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()

    def body_of(self, entry):
        """(bytes, content_type)"""
        ctype = None
        if "gen_events" in entry:
            data = generate(entry.get("api", "openai"), int(entry["gen_events"]))
            ctype = "text/event-stream"
        elif "file" in entry:
            path = entry["file"]
            if not os.path.isabs(path):
                path = os.path.join(self.script_dir, path)
            with open(path, "rb") as f:
                data = f.read()
            ctype = ("text/event-stream" if path.endswith(".sse")
                     else "application/json")
        elif "body" in entry:
            data = entry["body"].encode()
            ctype = "application/json"
        elif "pad_json" in entry:
            data = b'{"pad":"' + b"x" * int(entry["pad_json"]) + b'"}'
            ctype = "application/json"
        else:
            data = b""
            ctype = "application/json"
        if entry.get("huge_line"):
            data = (b"data: " + b"x" * int(entry["huge_line"]) + b"\n\n"
                    + data)
        return data, entry.get("content_type", ctype)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mockprov/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass  # the JSON log is the record

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # a refusal raises: no request
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP,
                                       socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        mock = self.server.mock
        with mock.lock:
            mock.active += 1
            mock.last = time.monotonic()
        try:
            self.respond(mock)
        finally:
            with mock.lock:
                mock.active -= 1
                mock.last = time.monotonic()

    def respond(self, mock):
        raw = self.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        url = urllib.parse.urlsplit(self.path)
        query = {}
        for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
            query[k] = v
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        n, entry = mock.next_entry()
        mock.log({"n": n, "method": self.command, "path": url.path,
                  "query": query, "headers": headers, "body": body})

        try:
            data, ctype = mock.body_of(entry)
        except (OSError, ValueError) as e:
            data, ctype = (json.dumps({"error": {"message": "mockprov: %s" % e}})
                           .encode(), "application/json")
            entry = {"status": 500}
        status = int(entry.get("status", 200))
        chunked = ctype.startswith("text/event-stream")

        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = {529: "Site Overloaded"}.get(status, "Unknown")
        self.close_connection = True
        self.send_response_only(status, phrase)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", ctype)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for k, v in entry.get("headers", {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.flush()

        def put(b):
            if not b:
                return
            if chunked:
                self.wfile.write(b"%x\r\n" % len(b) + b + b"\r\n")
            else:
                self.wfile.write(b)
            self.wfile.flush()

        cut = entry.get("cut_at")
        if cut is not None:
            data = data[:int(cut)]
        piece = int(entry.get("chunk") or 0) or max(len(data), 1)
        if entry.get("per_event"):
            # each event in a piece of its own, as providers send them
            ends = []
            i = data.find(b"\n\n")
            while i >= 0:
                ends.append(i + 2)
                i = data.find(b"\n\n", i + 2)
        else:
            ends = list(range(piece, len(data), piece))
        ends.append(len(data))
        delay = float(entry.get("delay_ms", 0)) / 1000
        stall_after = entry.get("stall_after")
        stall_s = float(entry.get("stall_s", 10))

        if entry.get("first_delay_ms"):
            time.sleep(float(entry["first_delay_ms"]) / 1000)
        try:
            pad = int(entry.get("pad_comments") or 0)
            comment = b": " + b"p" * 65533 + b"\n"   # 64 KiB
            while pad > 0:
                put(comment)
                pad -= len(comment)
            off = 0
            stalled = stall_after is None
            k = 0
            while off < len(data):
                while ends[k] <= off:
                    k += 1
                end = ends[k]
                if not stalled and end > int(stall_after):
                    end = max(int(stall_after), off)
                if end > off:
                    put(data[off:end])
                    off = end
                if not stalled and off >= int(stall_after):
                    stalled = True
                    time.sleep(stall_s)
                elif delay and off < len(data):
                    time.sleep(delay)
            if cut is not None:
                # No terminating chunk, fewer bytes than Content-Length.
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away: that is its business

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, OSError)):
            super().handle_error(request, client_address)


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def blackhole(args):
    """A port that takes no connection: its accept queue is kept full and
    nothing is accepted, so Linux drops the SYNs of every further connect,
    which hangs as it would towards a host that does not answer."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    fillers = []
    for _ in range(2):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    write_port_file(args.port_file, port)
    done.wait(args.idle_timeout)
    return 0


def main():
    ap = argparse.ArgumentParser(prog="mockprov.py")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--script")
    ap.add_argument("--idle-timeout", type=float, default=30)
    ap.add_argument("--dump-gen", nargs=2, metavar=("API", "N"))
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--blackhole", action="store_true")
    args = ap.parse_args()

    if args.blackhole:
        if not args.port_file:
            ap.print_usage(sys.stderr)
            return 2
        return blackhole(args)

    if args.dump_gen:
        try:
            data = generate(args.dump_gen[0], int(args.dump_gen[1]))
        except ValueError as e:
            sys.exit("mockprov: error: %s" % e)
        sys.stdout.buffer.write(data)
        return 0
    if not (args.port_file and args.log and args.script):
        ap.print_usage(sys.stderr)
        return 2

    mock = Mock(args)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.mock = mock
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        # the handshake happens in the handler's thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watchdog():
        while True:
            time.sleep(min(0.2, max(args.idle_timeout / 4, 0.01)))
            with mock.lock:
                idle = mock.active == 0 and \
                    time.monotonic() - mock.last >= args.idle_timeout
            if idle:
                srv.shutdown()
                return

    threading.Thread(target=watchdog, daemon=True).start()
    write_port_file(args.port_file, srv.server_address[1])
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
