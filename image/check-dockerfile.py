#!/usr/bin/env python3
"""Checks that the Dockerfile builds the image scripts/build-image makes: the same release build, the runtime
packages from image/runtime-packages.txt, and the user, entrypoint and labels of the image config given.

Usage: check-dockerfile.py DOCKERFILE IMAGE_CONFIG_JSON CHART_APP_VERSION
Prints each disagreement and exits 1 when there is one. Run by scripts/test-image (no engine builds the Dockerfile
here, so this is what keeps it honest).
"""

import json
import re
import shlex
import sys

BUILD = "swift build -c release --static-swift-stdlib --product node-termination-handler"
PACKAGE_LIST = "image/runtime-packages.txt"


def instructions(text):
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    result, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        current = ""
    return result


def main(dockerfile_path, config_path, app_version):
    with open(dockerfile_path, encoding="utf-8") as handle:
        steps = instructions(handle.read())
    with open(config_path, encoding="utf-8") as handle:
        image = json.load(handle)["config"]
    problems = []

    stages = [i for i, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    if len(stages) < 2:
        problems.append("expected a build stage and a runtime stage (two FROM lines)")
        stages = stages + [0] * (2 - len(stages))
    build, runtime = steps[stages[0] : stages[-1]], steps[stages[-1] :]
    if not runtime or runtime[0][1] != "debian:bookworm-slim":
        problems.append("the runtime stage must start FROM debian:bookworm-slim (the image's packages are bookworm's)")
    if not any(keyword == "RUN" and BUILD in arguments for keyword, arguments in build):
        problems.append(f"the build stage must run `{BUILD}`, as scripts/build-image does")
    if not any(keyword == "RUN" and "strip" in arguments for keyword, arguments in build):
        problems.append("the build stage must strip the binary, as scripts/build-image does")

    # Packages: only from the one list.
    installs = [arguments for keyword, arguments in runtime if keyword == "RUN" and "apt-get install" in arguments]
    copied = any(keyword == "COPY" and arguments.split()[0] == PACKAGE_LIST for keyword, arguments in runtime)
    if not copied or len(installs) != 1 or "xargs apt-get install" not in installs[0]:
        problems.append(f"the runtime stage must install exactly the packages of {PACKAGE_LIST} (COPY it, then one "
                        "`xargs apt-get install` reading it), and nothing else")
    for arguments in installs:
        for command in arguments.split("&&"):
            words = shlex.split(command)
            if "install" in words and "xargs" not in words:
                extra = [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
                if extra:
                    problems.append(f"the runtime stage installs {extra} outside {PACKAGE_LIST}")

    # User and entrypoint.
    users = [arguments for keyword, arguments in runtime if keyword == "USER"]
    if users[-1:] != [image.get("User")]:
        problems.append(f"USER is {users[-1:] or 'unset'}, the image's user is {image.get('User')!r}")
    entrypoints = [arguments for keyword, arguments in runtime if keyword == "ENTRYPOINT"]
    try:
        entrypoint = json.loads(entrypoints[-1]) if entrypoints else None
    except json.JSONDecodeError:
        entrypoint = entrypoints[-1]
    if entrypoint != image.get("Entrypoint"):
        problems.append(f"ENTRYPOINT is {entrypoint!r}, the image's is {image.get('Entrypoint')!r}")

    # Labels: the same keys; the same values but for the version and revision, which come from build arguments
    # (the version's default must be the chart's appVersion).
    defaults = {}
    for keyword, arguments in runtime:
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            defaults[name.strip()] = value.strip().strip('"')
    labels = {}
    for keyword, arguments in runtime:
        if keyword == "LABEL":
            for pair in shlex.split(arguments):
                key, _, value = pair.partition("=")
                labels[key] = value
    image_labels = image.get("Labels") or {}
    if set(labels) != set(image_labels):
        problems.append(f"LABEL keys {sorted(labels)} differ from the image's {sorted(image_labels)}")
    for key, value in labels.items():
        argument = re.fullmatch(r"\$\{?(\w+)\}?", value)
        if argument:
            name = argument.group(1)
            if key.endswith(".version") and defaults.get(name) != app_version:
                problems.append(f"ARG {name} defaults to {defaults.get(name)!r}, the chart's appVersion is "
                                f"{app_version!r}")
        elif image_labels.get(key) != value:
            problems.append(f"LABEL {key}={value!r}, the image has {image_labels.get(key)!r}")

    for problem in problems:
        print(f"Dockerfile: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
