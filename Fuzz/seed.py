#!/usr/bin/env python3
"""Seeds a fuzz target's corpus from real inputs: scripts/fuzz runs `seed.py TARGET CORPUS ROOT SHARED`.

- Swift test sources: the multi-line string literals (\"\"\"…\"\"\", with or without #) that hold XML, JSON or a
  kubeconfig, with Swift's indentation removed, so that each fixture a test parses is a seed.
- ../shared/reference/kubectl-captures: the apiserver responses kubectl saw (lists for the list scanner; their items
  as watch events, one per line, for the watch framing).
- ../shared/testdata/sigv4-testsuite: AWS's SigV4 test-suite requests (*.req), and Fuzz/SigV4Fuzz/regressions: inputs
  that once failed an invariant.
- ../shared/testdata/events: the interruption event fixtures.
"""
import glob
import hashlib
import json
import os
import re
import sys

target, corpus, root, shared = sys.argv[1:5]
os.makedirs(corpus, exist_ok=True)


def write(data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > 65536:
        return
    with open(os.path.join(corpus, "seed-" + hashlib.sha1(data).hexdigest()[:16]), "wb") as out:
        out.write(data)


def literals(pattern):
    """Multi-line string literals of the Swift files matching `pattern`, dedented as Swift does."""
    for path in glob.glob(os.path.join(root, pattern), recursive=True):
        text = open(path, encoding="utf-8").read()
        for match in re.finditer(r'#*"""\n(.*?)\n([ \t]*)"""#*', text, re.S):
            body, indent = match.group(1), match.group(2)
            lines = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in body.split("\n")]
            yield "\n".join(lines).replace("\\\n", "")


def captures():
    for path in glob.glob(os.path.join(shared, "reference/kubectl-captures/*.jsonl")):
        for line in open(path, encoding="utf-8"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            response = record.get("resp")
            if isinstance(response, list) and len(response) == 2 and isinstance(response[1], dict):
                yield response[1]


if target == "interruption":
    for path in glob.glob(os.path.join(shared, "testdata/events/*.json")):
        write(open(path, "rb").read())
elif target == "aws-xml":
    for text in literals("Tests/AWSTests/**/*.swift"):
        if text.lstrip().startswith("<"):
            write(text)
    for path in glob.glob(os.path.join(root, "Tests/AWSTests/**/*.swift"), recursive=True):
        for match in re.finditer(r'#"(<.*?>)"#', open(path, encoding="utf-8").read()):
            write(match.group(1))
elif target == "aws-json":
    for text in literals("Tests/AWSTests/**/*.swift"):
        if text.lstrip().startswith("{"):
            write(text)
    for pattern in ("Tests/AWSTests/**/*.swift", "Tests/ControllerTests/**/*.swift"):
        for path in glob.glob(os.path.join(root, pattern), recursive=True):
            for match in re.finditer(r'#"(\{.*?\})"#', open(path, encoding="utf-8").read()):
                write(match.group(1))
elif target == "sigv4":
    for path in glob.glob(os.path.join(shared, "testdata/sigv4-testsuite/**/*.req"), recursive=True):
        write(open(path, "rb").read())
    # Inputs that once failed an invariant, kept so that every run replays them first.
    for path in glob.glob(os.path.join(root, "Fuzz/SigV4Fuzz/regressions/*")):
        write(open(path, "rb").read())
elif target == "kubernetes-list":
    for response in captures():
        write(json.dumps(response))
    for text in literals("Tests/KubernetesTests/**/*.swift"):
        if text.lstrip().startswith("{"):
            write(text)
elif target == "kubernetes-watch":
    for response in captures():
        items = response.get("items")
        if isinstance(items, list) and items:
            write("".join(json.dumps({"type": "ADDED", "object": item}) + "\n" for item in items[:20]))
    write('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,'
          '"reason":"Expired","message":"too old resource version"}}\n')
elif target == "kubeconfig":
    for pattern in ("Tests/**/*.swift",):
        for text in literals(pattern):
            if "clusters:" in text or "kind: Config" in text:
                write(text)
if not os.listdir(corpus):
    write("{}")
