# syntax=docker/dockerfile:1
#
# scim-bridge container image.
#
# Build:
#   docker build -t scim-bridge .
# Run (mount your configuration read-only; secrets may also come from environment variables):
#   docker run --rm -v $PWD/config.toml:/etc/scim-bridge/config.toml:ro -p 8080:8080 scim-bridge
# The configuration must make the server listen on 0.0.0.0:8080 inside the container.

# ---------------------------------------------------------------------------------------------
# Builder: compile dependencies first against placeholder sources, so that editing the bridge's
# own code only rebuilds the last layers and not the few hundred crates below it.
# ---------------------------------------------------------------------------------------------
FROM rust:1-slim-bookworm AS builder
WORKDIR /build
ENV CARGO_TERM_COLOR=never

# Manifests of every workspace member, and the lock file (--locked refuses to change it).
COPY Cargo.toml Cargo.lock ./
COPY crates/salesforce-emulator/Cargo.toml crates/salesforce-emulator/Cargo.toml

# Placeholder targets matching the manifests (root: lib + bin; emulator: lib + bin), then a
# release build that only compiles third-party dependencies for real.
RUN mkdir -p src crates/salesforce-emulator/src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > crates/salesforce-emulator/src/main.rs \
    && touch crates/salesforce-emulator/src/lib.rs \
    && cargo build --release --locked --no-default-features --bin scim-bridge \
    && rm -rf src crates/salesforce-emulator/src

# The real sources. Touch them so cargo sees them as newer than the placeholder build
# (COPY keeps the build context's modification times, which may be older).
COPY src src
COPY crates/salesforce-emulator/src crates/salesforce-emulator/src
# Files the code may embed with include_str!.
COPY openapi openapi
RUN find src crates/salesforce-emulator/src -name '*.rs' -exec touch {} + \
    && cargo build --release --locked --no-default-features --bin scim-bridge \
    && cp target/release/scim-bridge /usr/local/bin/scim-bridge

# ---------------------------------------------------------------------------------------------
# Runtime: Debian slim with CA certificates (for TLS to Salesforce), running as a non-root user.
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 scim \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin scim \
    && mkdir -p /etc/scim-bridge

COPY --from=builder /usr/local/bin/scim-bridge /usr/local/bin/scim-bridge

USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/scim-bridge"]
CMD ["serve", "--config", "/etc/scim-bridge/config.toml"]
