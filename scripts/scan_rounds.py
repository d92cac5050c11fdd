#!/usr/bin/env python3
"""`vigie scan` beside ripgrep in alternated rounds (issue 19).

Called by scripts/scan_compare.sh when ROUNDS is set: on a noisy machine
single runs of one command vary by ±25 %, so every command runs once per
round, in turn, and each is reported by its median and best round: wall
time, MB/s, CPU (user + system), MB per CPU second ("per core"), cores
used and peak memory.

    scan_rounds.py ROUNDS PATTERNS NEW PREVIOUS|- FILE...
"""
import os
import statistics
import subprocess
import sys


def main() -> None:
    rounds, patterns, new, prev = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    commands = [
        ("vigie scan", [new, "scan", "{f}", "--format", "json"]),
        ("vigie scan, 1 core", ["taskset", "-c", "0", new, "scan", "{f}", "--format", "json"]),
    ]
    if prev != "-":
        commands.append(("previous release", [prev, "scan", "{f}", "--format", "json"]))
    commands += [
        ("rg, equivalent", ["rg", "--count-matches", "-f", patterns, "{f}"]),
        ("rg, 3 patterns", ["rg", "--count-matches",
                            "-e", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
                            "-e", "0[1-9]( ?[0-9]{2}){4}",
                            "-e", "FR[0-9]{2}( ?[0-9A-Z]{4}){5} ?[0-9A-Z]{3}", "{f}"]),
    ]
    for f in sys.argv[5:]:
        size = os.path.getsize(f)
        runs = {label: [] for label, _ in commands}
        for _ in range(rounds):
            for label, argv in commands:
                argv = [a.replace("{f}", f) for a in argv]
                done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", *argv],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                # ripgrep exits with 1 when it finds nothing; any other
                # failure would time a command that did not do its work.
                if done.returncode not in ((0, 1) if argv[0] == "rg" else (0,)):
                    sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
                wall, user, system, kib = done.stderr.strip().splitlines()[-1].split()
                runs[label].append((float(wall), float(user) + float(system), int(kib)))
        print(f"{os.path.basename(f)} ({size / 1e6:.0f} MB), {rounds} rounds alternated: median (best)")
        for label, r in runs.items():
            wall, cpu = [x[0] for x in r], [x[1] for x in r]
            # /usr/bin/time counts in hundredths: a tiny file takes none.
            w, c = max(statistics.median(wall), 0.01), max(statistics.median(cpu), 0.01)
            best = max(min(cpu), 0.01)
            print(f"  {label:<20} {w:6.2f} s ({min(wall):.2f}) {size / w / 1e6:5.0f} MB/s"
                  f"  CPU {c:6.2f} s ({min(cpu):.2f}) {size / c / 1e6:5.0f} MB/s per core"
                  f" ({size / best / 1e6:.0f})  {c / w:4.2f} cores"
                  f"  {max(x[2] for x in r) / 1024:5.0f} MiB")


if __name__ == "__main__":
    main()
