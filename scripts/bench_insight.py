"""Times insight pages over one keep-alive connection per signed-in person.

Client-side round trips on loopback: an upper bound on server time.
Usage: python3 scripts/bench_insight.py BASE_URL REQUESTS
"""
import http.client
import re
import statistics
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1])
n = int(sys.argv[2])
PASSWORD = "climbing-wall-demo"


def session(email):
    conn = http.client.HTTPConnection(base.hostname, base.port)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD})
    conn.request("POST", "/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded", "Origin": sys.argv[1]})
    res = conn.getresponse()
    res.read()
    cookie = res.getheader("Set-Cookie").split(";")[0]
    assert res.status == 303, res.status
    return conn, cookie


def get(conn, cookie, path):
    conn.request("GET", path, headers={"Cookie": cookie})
    res = conn.getresponse()
    body = res.read()
    assert res.status == 200, (path, res.status, body[:200])
    return body


def time_route(label, conn, cookie, path):
    first = time.perf_counter()
    get(conn, cookie, path)
    first = (time.perf_counter() - first) * 1000
    for _ in range(20):
        get(conn, cookie, path)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        get(conn, cookie, path)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    print(f"{label:<44} first {first:8.1f} ms   median {statistics.median(samples):6.2f} ms   p99 {p99:6.2f} ms   (n={n})")


admin, admin_cookie = session("morgan.reyes@meridian.example")
leader, leader_cookie = session("kelly.moore@meridian.example")
started = time.perf_counter()
page = get(admin, admin_cookie, "/insight").decode()
print(f"{'first insight request (computes every group)':<44} {(time.perf_counter() - started) * 1000:8.1f} ms")
departments = re.findall(r'<option value="(dept-\d+)"', page)
big_team = re.findall(r'<option value="(tree-\d+)"', page)
time_route("organisation insight (admin)", admin, admin_cookie, "/insight?group=org")
if departments:
    time_route(f"department insight (admin, {departments[0]})", admin, admin_cookie, f"/insight?group={departments[0]}")
time_route("team insight (Kelly, Head of Design)", leader, leader_cookie, "/insight")
plans = re.findall(r'href="/plans/(\d+)"', get(leader, leader_cookie, "/plans").decode())
if plans:
    time_route("team member's plan page with wall (Kelly)", leader, leader_cookie, f"/plans/{plans[0]}")
