"""Helper of scripts/load: signs the demo personas in, finds the ids the load
runs need, prepares the autosave targets, and turns wrk's results into the
table.

Usage:
  python3 scripts/load_setup.py personas BASE_URL      -> shell assignments
  python3 scripts/load_setup.py autosave BASE_URL N    -> N lines "conversation question"
  python3 scripts/load_setup.py table RESULTS_TSV DB   -> the printed table
"""
import html
import http.client
import json
import re
import shlex
import sys
import urllib.parse

PASSWORD = "climbing-wall-demo"
EMAILS = {
    "ADMIN": "morgan.reyes@meridian.example",
    "LEADER": "kelly.moore@meridian.example",
    "MEMBER": "priya.natarajan@meridian.example",
}
OPEN = ("scheduled", "preparing", "shared")
# The built-in set asks nine questions; the autosave run gives each wrk
# connection an answer of its own, so it needs ceil(connections / 9) extra
# conversations of Priya's, scheduled on days that do not clash.
QUESTIONS_PER_CONVERSATION = 9


class Session:
    def __init__(self, base, email):
        self.base = base
        url = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        body = urllib.parse.urlencode({"email": email, "password": PASSWORD})
        res = self.send("POST", "/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if res[0] != 303:
            sys.exit(f"sign-in of {email} answered {res[0]}: {res[2][:200]!r}")
        self.cookie = res[1].split(";")[0]
        page = self.get("/")
        m = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        if not m:
            sys.exit(f"no CSRF token on the home page of {email}")
        self.csrf = html.unescape(m.group(1))

    def send(self, method, path, body=None, headers=None):
        h = {"Origin": self.base}
        if getattr(self, "cookie", None):
            h["Cookie"] = self.cookie
        if getattr(self, "csrf", None) and method not in ("GET", "HEAD"):
            h["x-csrf-token"] = self.csrf
        h.update(headers or {})
        self.conn.request(method, path, body, h)
        res = self.conn.getresponse()
        return res.status, res.getheader("Set-Cookie") or "", res.read().decode("utf-8", "replace")

    def get(self, path):
        status, _, body = self.send("GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered {status}: {body[:200]!r}")
        return body

    def api(self, method, path, payload=None, ok=(200, 201)):
        body = json.dumps(payload) if payload is not None else None
        status, _, text = self.send(method, "/api/v1" + path, body, {"Content-Type": "application/json"})
        if status not in ok:
            sys.exit(f"{method} /api/v1{path} answered {status}: {text[:300]}")
        return json.loads(text) if text else None


def builtin_set(leader):
    sets = leader.api("GET", "/question-sets")
    builtin = [s for s in sets if s["scope"] == "builtin"] or sets
    return builtin[0]["id"]


def schedule(leader, report_id, day, set_id):
    return leader.api(
        "POST",
        "/conversations",
        {
            "report_id": report_id,
            "starts_at_local": f"2027-03-{day:02d}T10:00",
            "time_zone": "Europe/London",
            "question_set_id": set_id,
        },
    )["id"]


def personas(base):
    s = {k: Session(base, e) for k, e in EMAILS.items()}
    member, leader = s["MEMBER"], s["LEADER"]
    me = member.api("GET", "/me")
    mine = [c for c in member.api("GET", "/conversations") if c["part"] == "report" and c["state"] in OPEN]
    if mine:
        conv = min(mine, key=lambda c: c["starts_at"])["id"]
        how = "the demo's open conversation"
    else:
        conv = schedule(leader, me["id"], 10, builtin_set(leader))
        how = "scheduled by Kelly for the run"
    # Priya writes and shares some answers, so the leader's view has content.
    detail = member.api("GET", f"/conversations/{conv}")
    for q in detail["questions"][:5]:
        version = q["answer"]["version"] if q["answer"] else 0
        text = f"Load-test answer to {q['category']}: what I learned, what I want next, and who could help."
        member.api("PUT", f"/conversations/{conv}/answers/{q['id']}", {"text": text, "version": version})
    member.api("POST", f"/conversations/{conv}/share", None)
    # Marco Rossi's plan, as Kelly sees it from /plans.
    plans = leader.get("/plans")
    m = re.search(r'href="/plans/(\d+)">Marco Rossi<', plans) or re.search(r'href="/plans/(\d+)"', plans)
    if not m:
        sys.exit("Kelly sees no plan on /plans")
    out = {
        "CONVERSATION_ID": conv,
        "CONVERSATION_HOW": how,
        "PLAN_ID": m.group(1),
        "MEMBER_ID": me["id"],
    }
    for k, sess in s.items():
        out[f"{k}_COOKIE"] = sess.cookie
        out[f"{k}_CSRF"] = sess.csrf
    for k, v in out.items():
        print(f"{k}={shlex.quote(str(v))}")


def autosave(base, connections):
    member, leader = Session(base, EMAILS["MEMBER"]), Session(base, EMAILS["LEADER"])
    me = member.api("GET", "/me")
    set_id = builtin_set(leader)
    slots = []
    day = 11
    while len(slots) < connections:
        conv = schedule(leader, me["id"], day, set_id)
        day += 1
        for q in member.api("GET", f"/conversations/{conv}")["questions"]:
            slots.append((conv, q["id"]))
    for conv, qid in slots[:connections]:
        print(conv, qid)


def ms(us):
    return float(us) / 1000.0


def table(path, db):
    rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    # label, kind, requests, duration_us, p50_us, p99_us, non2xx, errors, rss_max_kb
    floor = None
    for r in rows:
        if r[1] == "floor":
            floor = int(r[2]) / (int(r[3]) / 1e6)
    print(f"\n== {db}")
    head = f"{'route':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>9} {'non-2xx':>8} {'RSS max':>8}  target"
    print(head)
    print("-" * len(head))
    for r in rows:
        label, kind, req, dur, p50, p99, non2xx, errors, rss = r[:9]
        rps = int(req) / (int(dur) / 1e6)
        ok_rps = (int(req) - int(non2xx)) / (int(dur) / 1e6)
        ratio = rps / floor if floor else float("nan")
        checks = []
        if kind == "page":
            checks.append(("p99<25ms", ms(p99) < 25))
            checks.append((">=30% floor", ratio >= 0.30))
        elif kind == "autosave":
            checks.append((">=2000 saves/s", ok_rps >= 2000))
        verdict = ", ".join(f"{name} {'yes' if good else 'NO'}" for name, good in checks) or "(the floor)"
        if int(errors):
            verdict += f"; {errors} socket errors"
        print(
            f"{label:<44} {rps:9.0f} {ms(p50):8.2f} {ms(p99):8.2f} {ratio:8.0%} {non2xx:>8} {int(rss) / 1024:6.0f}MB  {verdict}"
        )
        if kind == "autosave":
            print(f"{'  of which successful saves (2xx)':<44} {ok_rps:9.0f}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "personas":
        personas(sys.argv[2])
    elif cmd == "autosave":
        autosave(sys.argv[2], int(sys.argv[3]))
    elif cmd == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
