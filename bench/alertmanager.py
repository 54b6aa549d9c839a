"""The core's CPU per event beside Prometheus Alertmanager's CPU per alert, on the same storm.

The storm is ``bench/storm.py``'s (500 distinct alarms across 20 services; repeats, flaps and duplicate
deliveries), 50,000 events by default. Our side: the core (normalize, dedupe, fold, the Slack thread)
with in-memory ports, in batches of 100 as the ingest queue delivers them, its CPU time per event
(``time.process_time``, this process). Alertmanager's side: the same events as alerts (``alertname``
the alarm, ``service`` its service; an OK ends the alert), POSTed 100 at a time to ``/api/v2/alerts`` of
an Alertmanager on loopback with a route to a receiver that sends nothing; its CPU per alert is the
process's user + system time from ``/proc/PID/stat`` at the end, start-up included. Both beside
``json.loads`` of the same lines, measured in the same run (machines differ; the ratio holds better).

The binary: ``$ALERTMANAGER``, else Debian's ``prometheus-alertmanager`` fetched once with
``apt-get download`` into ``bench/.cache/`` (no root needed). Without either it says so and exits 0.
Run: ``python bench/alertmanager.py [--events N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.storm import BATCH, decode_floor, run_core, storm

CACHE = Path(__file__).resolve().parent / ".cache"
TEMPLATES = "/usr/share/prometheus/alertmanager"
CONFIG = """route:
  receiver: nowhere
  group_by: [service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: nowhere
"""


def binary() -> str | None:
    """Alertmanager's binary: $ALERTMANAGER, one on PATH, or Debian's package unpacked into the cache."""
    for found in (os.environ.get("ALERTMANAGER"), shutil.which("alertmanager")):
        if found and Path(found).exists():
            return found
    unpacked = CACHE / "am" / "usr" / "bin" / "prometheus-alertmanager"
    if unpacked.exists():
        return str(unpacked)
    if not shutil.which("apt-get") or not shutil.which("dpkg"):
        return None
    CACHE.mkdir(exist_ok=True)
    got = subprocess.run(
        ["apt-get", "download", "prometheus-alertmanager"], cwd=CACHE, capture_output=True, check=False
    )
    debs = sorted(CACHE.glob("prometheus-alertmanager_*.deb"))
    if got.returncode or not debs:
        return None
    subprocess.run(["dpkg", "-x", str(debs[-1]), str(CACHE / "am")], check=True)
    return str(unpacked) if unpacked.exists() else None


def templates_in_place(path: str) -> bool:
    """Debian's build reads its default notification template from a fixed path, not from the binary:
    put the package's copy there when it is missing and the directory may be written (as root)."""
    fixed = Path(TEMPLATES)
    if (fixed / "default.tmpl").exists():
        return True
    binary_at = Path(path).resolve()
    shipped = binary_at.parents[2] / "usr/share/prometheus/alertmanager"  # unpacked: root/usr/bin/...
    if not shipped.exists():  # installed: /usr/bin/...
        shipped = binary_at.parents[1] / "share/prometheus/alertmanager"
    try:
        fixed.mkdir(parents=True, exist_ok=True)
        for tmpl in shipped.glob("*.tmpl"):
            shutil.copy(tmpl, fixed / tmpl.name)
    except OSError:
        return False
    return (fixed / "default.tmpl").exists()


def alerts_of(lines: list[str]) -> list[list[dict[str, object]]]:
    """The storm as Alertmanager alerts, in POST batches: an ALARM fires, an OK ends the alert."""
    out: list[dict[str, object]] = []
    for line in lines:
        event = json.loads(line)
        detail = event["detail"]
        name = detail["alarmName"]
        at = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        alert: dict[str, object] = {
            "labels": {"alertname": name, "service": name.split("-", 1)[0]},
            "annotations": {"reason": detail["state"].get("reason", "")[:200]},
            "startsAt": at.isoformat(),
            "generatorURL": "http://127.0.0.1/storm",
        }
        if detail["state"]["value"] == "OK":
            alert["endsAt"] = at.isoformat()
        else:  # a firing alert is resolved by Alertmanager itself after resolve_timeout without news
            alert["endsAt"] = (at + timedelta(minutes=5)).isoformat()
        out.append(alert)
    return [out[i : i + BATCH] for i in range(0, len(out), BATCH)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (fields 14 and 15 of /proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alertmanager_cpu(path: str, batches: list[list[dict[str, object]]]) -> tuple[float, float]:
    """(CPU seconds of the whole Alertmanager process, start-up included; wall seconds of the POSTs)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "am.yml").write_text(CONFIG)
        proc = subprocess.Popen(
            [
                path,
                f"--config.file={work}/am.yml",
                f"--storage.path={work}/data",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):  # ready within 10 s
                try:
                    with urllib.request.urlopen(f"{base}/-/ready", timeout=1):
                        break
                except OSError:
                    time.sleep(0.05)
            else:
                raise SystemExit(f"Alertmanager did not get ready on {base} (exit code {proc.poll()})")
            bodies = [json.dumps(b).encode() for b in batches]
            start = time.perf_counter()
            for body in bodies:
                request = urllib.request.Request(
                    f"{base}/api/v2/alerts", body, {"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as answer:
                    answer.read()
            wall = time.perf_counter() - start
            return cpu_seconds(proc.pid), wall
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    lines = storm(args.events)
    unique = len({json.loads(x)["detail"]["alarmName"] for x in lines})
    print(f"storm: {len(lines):,} events, {unique} distinct alarms, batches of {BATCH}")

    floor = decode_floor(lines)
    cpu0 = time.process_time()
    wall, _, store = run_core(lines, notify=True)
    ours = time.process_time() - cpu0
    print(f"json.loads of the lines:      {floor / len(lines) * 1e6:8.1f} us per event (the floor)")
    print(
        f"aiops core (CPU):             {ours / len(lines) * 1e6:8.1f} us per event "
        f"({len(lines) / wall:,.0f} events/s wall, {len(store.incidents)} incidents)"
    )
    path = binary()
    if path is None:
        print("Alertmanager: not available here ($ALERTMANAGER unset, no apt-get download) - not compared")
        return 0
    if not templates_in_place(path):
        print(f"Alertmanager: its templates cannot be put in {TEMPLATES} (not root?) - not compared")
        return 0
    am_cpu, am_wall = alertmanager_cpu(path, alerts_of(lines))
    print(
        f"Alertmanager (CPU, start-up included): {am_cpu / len(lines) * 1e6:8.1f} us per alert "
        f"({len(lines) / am_wall:,.0f} alerts/s wall over HTTP)"
    )
    print(f"ratio aiops / Alertmanager: {ours / am_cpu:.2f} (at most 1.00 is the stretch goal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
