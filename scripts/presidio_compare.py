#!/usr/bin/env python3
"""Presidio's pattern recognizers on the text `cargo bench -p vigie-scan`
scans, for a speed ratio from one run on the same machine.

    python3 -m venv /tmp/presidio && /tmp/presidio/bin/pip install presidio-analyzer
    VIGIE_SCAN_DUMP=/tmp/french.txt cargo bench -p vigie-scan --bench throughput
    /tmp/presidio/bin/python scripts/presidio_compare.py /tmp/french.txt 4

Presidio runs with its no-model NLP engine (no spaCy model is loaded) and
its predefined recognizers; it has no French recognizer, so only speed is
compared, in MB/s on one core.
"""
import sys
import time

import tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NoOpNlpEngine


def main() -> None:
    path = sys.argv[1]
    mib = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
    with open(path, encoding="utf-8") as f:
        text = f.read(int(mib * 1024 * 1024))
    # Offline: the bundled public-suffix snapshot, no download per email.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    engine.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])
    # Documents of about 64 KiB, cut at line ends, as a file scanner would.
    chunks, cur, size = [], [], 0
    for line in text.splitlines(keepends=True):
        cur.append(line)
        size += len(line)
        if size >= 65536:
            chunks.append("".join(cur))
            cur, size = [], 0
    if cur:
        chunks.append("".join(cur))
    nbytes = len(text.encode("utf-8"))
    start = time.perf_counter()
    found = sum(len(analyzer.analyze(text=c, language="en")) for c in chunks)
    secs = time.perf_counter() - start
    print(f"presidio-analyzer (no_op engine, pattern recognizers): {nbytes / secs / 1e6:.2f} MB/s "
          f"({found} results in {nbytes / 1e6:.1f} MB, {secs:.1f} s)")


if __name__ == "__main__":
    main()
