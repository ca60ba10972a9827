package io.lbkit.standalone;

/** The standalone's proxy engines ({@code --engine}); the integration tests run on each. */
enum Engine {
  NETTY,
  SERVLET;

  /** The {@code --engine} value. */
  String flag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
