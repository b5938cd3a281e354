"""A webhook receiver on loopback for the alert tests: records each POSTed body as one line of OUT.

    webhook_receiver.py OUT [FAIL_FIRST]

Prints "listening on http://127.0.0.1:PORT" once ready; answers 500 to the first FAIL_FIRST posts (counted in
OUT.failed) and 204 to the others.
"""
import http.server
import signal
import sys

# The test runner's threads block SIGTERM, and children inherit the mask: unblock it so the test can stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])

out, fail_first = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
received = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global received
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        received += 1
        if received <= fail_first:
            with open(out + ".failed", "a") as failed:
                failed.write("1\n")
            self.send_response(500)
        else:
            with open(out, "ab") as file:
                file.write(body.replace(b"\n", b" ") + b"\n")
            self.send_response(204)
        self.end_headers()

    def log_message(self, *arguments):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
