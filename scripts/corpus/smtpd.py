#!/usr/bin/env python3
"""Minimal SMTP server with AUTH LOGIN/PLAIN for the corpus (written for it).

It speaks just enough ESMTP for password-guessing tools: every wrong
credential is answered with '535 5.7.8 Authentication failed'.
Usage: smtpd.py BIND_IP PORT USER PASSWORD
"""
import base64
import socketserver
import sys
import time

BIND, PORT, USER, PASSWORD = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
HOSTNAME = "mail.corp.example"


class Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        raw = self.rfile.readline(4096)
        if not raw:
            raise EOFError
        return raw.decode("latin-1").rstrip("\r\n")

    def check(self, user, pw):
        if user == USER and pw == PASSWORD:
            self.send("235 2.7.0 Authentication successful")
            return True
        time.sleep(0.2)
        self.send("535 5.7.8 Authentication failed")
        return False

    def handle(self):
        try:
            self.send("220 %s ESMTP Postfix (Debian/GNU)" % HOSTNAME)
            authed = False
            while True:
                line = self.readline()
                cmd = line.split(" ", 1)[0].upper()
                arg = line[len(cmd):].strip()
                if cmd == "EHLO":
                    self.send("250-%s" % HOSTNAME)
                    self.send("250-PIPELINING")
                    self.send("250-SIZE 10240000")
                    self.send("250-AUTH PLAIN LOGIN")
                    self.send("250-ENHANCEDSTATUSCODES")
                    self.send("250 8BITMIME")
                elif cmd == "HELO":
                    self.send("250 %s" % HOSTNAME)
                elif cmd == "AUTH":
                    parts = arg.split()
                    mech = parts[0].upper() if parts else ""
                    if mech == "LOGIN":
                        if len(parts) > 1:
                            user = base64.b64decode(parts[1]).decode("latin-1")
                        else:
                            self.send("334 VXNlcm5hbWU6")
                            user = base64.b64decode(self.readline()).decode("latin-1")
                        self.send("334 UGFzc3dvcmQ6")
                        pw = base64.b64decode(self.readline()).decode("latin-1")
                        authed = self.check(user, pw)
                    elif mech == "PLAIN":
                        if len(parts) > 1:
                            blob = parts[1]
                        else:
                            self.send("334 ")
                            blob = self.readline()
                        f = base64.b64decode(blob).decode("latin-1").split("\0")
                        user, pw = (f[1], f[2]) if len(f) >= 3 else ("", "")
                        authed = self.check(user, pw)
                    else:
                        self.send("504 5.5.4 Unrecognized authentication type")
                elif cmd == "MAIL":
                    self.send("250 2.1.0 Ok" if authed else "530 5.7.0 Authentication required")
                elif cmd == "RSET":
                    self.send("250 2.0.0 Ok")
                elif cmd == "NOOP":
                    self.send("250 2.0.0 Ok")
                elif cmd == "QUIT":
                    self.send("221 2.0.0 Bye")
                    return
                else:
                    self.send("502 5.5.2 Error: command not recognized")
        except (EOFError, ConnectionError, ValueError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server((BIND, PORT), Handler).serve_forever()
