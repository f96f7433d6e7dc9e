# tokentap container image: a shared gateway in front of many apps.
#
#   docker build -t tokentap .
#   docker run --rm -p 8788:8788 tokentap
#   docker run --rm -p 8788:8788 -v "$PWD/my.yaml:/etc/tokentap/tokentap.yaml:ro" tokentap
#
# Give `docker stop` more time than timeouts.drain (default 30 s), e.g. `docker stop -t 40`,
# or in-flight requests are killed by SIGKILL after Docker's default 10 s.

# ---- build stage: compile a Release binary without tests -------------------------------------
FROM debian:bookworm AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libssl-dev nlohmann-json3-dev doctest-dev \
      libyaml-cpp-dev libspdlog-dev libcli11-dev zlib1g-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOKENTAP_BUILD_TESTS=OFF \
 && cmake --build build

# ---- runtime stage: the binary and the shared libraries it links -----------------------------
FROM debian:bookworm-slim

# Runtime counterparts of the -dev packages above (Boost.Asio/Beast and nlohmann-json are
# header-only). ca-certificates provides the system trust store used to verify providers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 zlib1g libjemalloc2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /src/build/tokentap /usr/local/bin/tokentap
COPY config/gateway.yaml /etc/tokentap/tokentap.yaml

# Fails the image build if a shared library is missing from the list above.
RUN tokentap --version

RUN groupadd --system --gid 10001 tokentap \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin tokentap
USER 10001:10001

EXPOSE 8788

# No curl in the slim image: bash's /dev/tcp sends the request, the status line is checked.
# Follows the port in CMD; change both if you listen elsewhere.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8788 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["tokentap"]
CMD ["--listen", "0.0.0.0:8788", "--config", "/etc/tokentap/tokentap.yaml"]
