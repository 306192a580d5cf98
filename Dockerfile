# The container image for people who build with Docker (or any BuildKit/Buildah engine):
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" \
#     -t public.ecr.aws/node-termination-handler/node-termination-handler:0.1.0 .
# The same image as scripts/build-image makes without an engine (docs/install.md, "Container image"): the same
# release build, the runtime packages of image/runtime-packages.txt, user 1000:1000, the same entrypoint and labels.
# scripts/test-image fails when this file and the image build-image made disagree on any of these.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev libxml2-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --static-swift-stdlib --product node-termination-handler \
    && mkdir -p /out \
    && strip -o /out/node-termination-handler \
        "$(swift build -c release --static-swift-stdlib --show-bin-path)/node-termination-handler"

FROM debian:bookworm-slim
# VERSION is the chart's appVersion (charts/node-termination-handler/Chart.yaml), which the binary's --version prints.
ARG VERSION=0.1.0
ARG REVISION=unknown
COPY image/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && sed 's/#.*//' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
    && groupadd --gid 1000 nth \
    && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nth
COPY --from=build /out/node-termination-handler /usr/local/bin/node-termination-handler
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/node-termination-handler", "run"]
LABEL org.opencontainers.image.title="node-termination-handler" \
      org.opencontainers.image.description="Cordons and drains Kubernetes nodes before AWS interrupts their EC2 instances, from one SQS queue fed by EventBridge." \
      org.opencontainers.image.source="https://github.com/node-termination-handler/node-termination-handler" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
